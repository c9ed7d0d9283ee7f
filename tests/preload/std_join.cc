// std::thread::join under the preload library (docs/waits.md): join() is
// pthread_join, so joining a thread while holding a lock it takes before it
// exits is a circular wait. The thread takes the lock first here (a flag
// orders it), so nothing hangs. With "clean", main joins holding nothing.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

int main(int argc, char** argv) {
  const bool clean = argc > 1 && std::strcmp(argv[1], "clean") == 0;
  std::mutex m;
  std::atomic<bool> took{false};
  std::thread worker([&] {
    { std::lock_guard<std::mutex> g(m); }
    took = true;
  });
  while (!took) std::this_thread::yield();
  if (clean) {
    worker.join();
  } else {
    std::lock_guard<std::mutex> g(m);
    worker.join();
  }
  std::printf("std_join: done\n");
  return 0;
}
