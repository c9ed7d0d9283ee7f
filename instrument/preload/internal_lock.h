// The library's own critical sections: a futex lock (one CAS uncontended,
// sleeping when contended; some sections symbolise or unwind and take
// milliseconds, where spinning or yielding would burn a loaded machine's
// time). Not a pthread lock, so taking it never enters an interposer; callers
// hold it inside a Busy scope (reentry.h), so a signal handler on this
// thread never waits on it.
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_INTERNAL_LOCK_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_INTERNAL_LOCK_H_

#include <atomic>
#include <cstdint>

#include "instrument/futex.h"

namespace lockdep::preload {

class InternalLock {
 public:
  void lock() {
    uint32_t expected = 0;
    if (word_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) return;
    // 2: locked with sleepers, so the unlock knows to wake one.
    while (word_.exchange(2, std::memory_order_acquire) != 0) {
      internal::FutexWait(&word_, 2);
    }
  }
  void unlock() {
    if (word_.exchange(0, std::memory_order_release) == 2) internal::FutexWake(&word_, 1);
  }

 private:
  std::atomic<uint32_t> word_{0};  // 0 free, 1 locked, 2 locked with sleepers
};

class InternalGuard {
 public:
  explicit InternalGuard(InternalLock& l) : l_(l) { l_.lock(); }
  ~InternalGuard() { l_.unlock(); }
  InternalGuard(const InternalGuard&) = delete;
  InternalGuard& operator=(const InternalGuard&) = delete;

 private:
  InternalLock& l_;
};

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_INTERNAL_LOCK_H_
