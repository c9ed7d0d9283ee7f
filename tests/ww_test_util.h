// Helpers for the ww_mutex suites: real contention between threads in a fixed
// order, and the back-off loop every ww_mutex user writes.
#ifndef LOCKDEP_TESTS_WW_TEST_UTIL_H_
#define LOCKDEP_TESTS_WW_TEST_UTIL_H_

#include <cerrno>
#include <chrono>
#include <functional>
#include <latch>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "instrument/kernel.h"
#include "instrument/kernel/ww_mutex_raw.h"

namespace ww_test {

// True while a thread is queued on `lock` (ww_mutex.h: bit 1 of base.state).
inline bool HasWaiters(struct ww_mutex* lock) {
  return (lock->base.state.load() & 2u) != 0;
}

// Waits until some thread sleeps in `lock`'s queue.
inline void AwaitWaiter(struct ww_mutex* lock) {
  while (!HasWaiters(lock)) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// Waits until exactly `n` threads are queued on `lock`.
inline void AwaitWaiters(struct ww_mutex* lock, int n) {
  while (lockdep::kernel_internal::WwRawWaiterCount(lock) != n) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// Locks every lock of `locks` (in that order) under `ctx`, backing off on
// -EDEADLK the Linux way: unlock all, ww_mutex_lock_slow() the contended one,
// start over (skipping the one already held). `contended`, when given, is the
// lock whose -EDEADLK the caller already backed off from (it holds no lock of
// ctx now): it is taken with ww_mutex_lock_slow() first. `lock`, when
// given, stands in for ww_mutex_lock (to watch each call). Returns the
// back-offs taken here.
inline int LockAll(
    const std::vector<struct ww_mutex*>& locks, struct ww_acquire_ctx* ctx,
    struct ww_mutex* contended = nullptr,
    const std::function<int(struct ww_mutex*, struct ww_acquire_ctx*)>& lock =
        ww_mutex_lock) {
  if (contended != nullptr) ww_mutex_lock_slow(contended, ctx);
  int backoffs = 0;
  for (;;) {
    size_t n = 0;
    int err = 0;
    for (; n < locks.size(); ++n) {
      if (locks[n] == contended) continue;
      err = lock(locks[n], ctx);
      if (err != 0) break;
    }
    if (err == 0) return backoffs;
    EXPECT_EQ(err, -EDEADLK);
    ++backoffs;
    for (size_t i = 0; i < n; ++i) {
      if (locks[i] != contended) ww_mutex_unlock(locks[i]);
    }
    if (contended != nullptr) ww_mutex_unlock(contended);  // never locks[n]
    contended = locks[n];
    ww_mutex_lock_slow(contended, ctx);
  }
}

inline void UnlockAll(const std::vector<struct ww_mutex*>& locks) {
  for (struct ww_mutex* l : locks) ww_mutex_unlock(l);
}

// A thread whose transaction starts before the caller's (so its context is
// older) and holds `locks` until Release() or destruction.
class OlderHolder {
 public:
  OlderHolder(struct ww_class* cls, std::vector<struct ww_mutex*> locks)
      : locks_(std::move(locks)), thread_([this, cls] { Run(cls); }) {
    holding_.wait();
  }
  OlderHolder(const OlderHolder&) = delete;
  OlderHolder& operator=(const OlderHolder&) = delete;
  ~OlderHolder() { Release(); }

  void Release() {
    if (!thread_.joinable()) return;
    release_.count_down();
    thread_.join();
  }

 private:
  void Run(struct ww_class* cls) {
    struct ww_acquire_ctx ctx;
    ww_acquire_init(&ctx, cls);
    for (struct ww_mutex* l : locks_) EXPECT_EQ(ww_mutex_lock(l, &ctx), 0);
    holding_.count_down();
    release_.wait();
    UnlockAll(locks_);
    ww_acquire_fini(&ctx);
  }

  std::vector<struct ww_mutex*> locks_;
  std::latch holding_{1};
  std::latch release_{1};
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace ww_test

#endif  // LOCKDEP_TESTS_WW_TEST_UTIL_H_
