// fork() while another thread constructs unnamed lockdep::Mutexes: the class
// registry's lock must not be inherited locked, or the child hangs at its own
// first unnamed construction. Each fork's child constructs one, locks it and
// reports "ok" through a pipe; a hang is cut short by alarm().
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "instrument/cxx.h"

namespace {

// Constructs unnamed mutexes from several sites, over and over: each
// construction takes the registry's lock at least once.
void Churn(std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    std::vector<std::unique_ptr<lockdep::Mutex>> v;
    for (int i = 0; i < 8; ++i) v.push_back(std::make_unique<lockdep::Mutex>());
    lockdep::Mutex on_stack;
  }
}

TEST(CxxFork, ChildConstructsWhileParentThreadWasConstructing) {
  std::atomic<bool> stop{false};
  std::thread churn(Churn, std::ref(stop));
  int ok = 0;
  constexpr int kForks = 100;
  for (int i = 0; i < kForks; ++i) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      alarm(10);
      lockdep::Mutex mine;
      mine.lock();
      mine.unlock();
      (void)!write(fds[1], "ok", 2);
      _exit(0);
    }
    ASSERT_GT(pid, 0);
    close(fds[1]);
    char buf[2] = {};
    const ssize_t n = read(fds[0], buf, 2);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_FALSE(WIFSIGNALED(status)) << "fork " << i << ": child killed by signal "
                                      << WTERMSIG(status) << " (SIGALRM: it hung)";
    if (n == 2) ++ok;
  }
  stop = true;
  churn.join();
  EXPECT_EQ(ok, kForks);
}

}  // namespace
