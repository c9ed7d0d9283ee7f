// The library's own short critical sections: a test-and-set byte. Not a
// pthread lock, so taking it never enters an interposer; callers hold it
// inside a Busy scope (reentry.h), so a signal handler on this thread never
// spins on it.
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_SPIN_GUARD_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_SPIN_GUARD_H_

#include <sched.h>

#include <atomic>

namespace lockdep::preload {

class SpinByte {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) sched_yield();
    }
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

class SpinGuard {
 public:
  explicit SpinGuard(SpinByte& s) : s_(s) { s_.lock(); }
  ~SpinGuard() { s_.unlock(); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  SpinByte& s_;
};

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_SPIN_GUARD_H_
