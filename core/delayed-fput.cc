#include "core/delayed-fput.h"

#include <cstdint>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace {

struct Release {
  void (*fn)(void*);
  void* arg;
};

// The queue and its thread. Never destroyed: the thread still waits on it
// while static destructors run at exit.
struct ReleaseQueue {
  std::mutex mu;
  std::condition_variable wake;  // work queued
  std::condition_variable done;  // `finished` moved on
  std::deque<Release> queue;
  uint64_t queued = 0;    // releases ever queued
  uint64_t finished = 0;  // releases ever run
  bool started = false;
};

ReleaseQueue& Queue() {
  static ReleaseQueue* q = new ReleaseQueue;
  return *q;
}

void ReleaseThread(ReleaseQueue* q) {
  std::unique_lock<std::mutex> lock(q->mu);
  for (;;) {
    q->wake.wait(lock, [q] { return !q->queue.empty(); });
    const Release r = q->queue.front();
    q->queue.pop_front();
    lock.unlock();
    r.fn(r.arg);
    lock.lock();
    ++q->finished;
    q->done.notify_all();
  }
}

}  // namespace

void delayed_fput(void (*release)(void* arg), void* arg) {
  ReleaseQueue& q = Queue();
  std::lock_guard<std::mutex> lock(q.mu);
  if (!q.started) {
    q.started = true;
    std::thread(ReleaseThread, &q).detach();
    std::atexit(flush_delayed_fput);
  }
  q.queue.push_back({release, arg});
  ++q.queued;
  q.wake.notify_one();
}

void flush_delayed_fput() {
  ReleaseQueue& q = Queue();
  std::unique_lock<std::mutex> lock(q.mu);
  const uint64_t target = q.queued;
  q.done.wait(lock, [&q, target] { return q.finished >= target; });
}
