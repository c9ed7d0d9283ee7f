// A spin lock for the confirmation runs' small, short critical sections
// (wait_table.h, the scheduler's gate sets), touched from inside lock hooks
// where a pthread mutex would be interposed (LD_PRELOAD) and cost more than
// what it guards. Waiters yield the CPU. Annotated for the thread-safety
// analysis like InternalMutex.
#ifndef LOCKDEP_RUNTIME_SPIN_MUTEX_H_
#define LOCKDEP_RUNTIME_SPIN_MUTEX_H_

#include <sched.h>

#include <atomic>

#include "absl/base/thread_annotations.h"

namespace lockdep {

class ABSL_LOCKABLE SpinMutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    while (flag_.exchange(true, std::memory_order_acquire)) sched_yield();
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() { flag_.store(false, std::memory_order_release); }
  // In a fork child only: the holder may have been another thread, which
  // does not exist there.
  void ResetInForkChild() { flag_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};

class ABSL_SCOPED_LOCKABLE SpinLock {
 public:
  explicit SpinLock(SpinMutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.Lock(); }
  ~SpinLock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

 private:
  SpinMutex& mu_;
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_SPIN_MUTEX_H_
