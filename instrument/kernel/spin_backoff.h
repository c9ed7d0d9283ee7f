// Busy-wait pacing for the spinning primitives (spinlock_t, rwlock_t).
// Internal to instrument/kernel: include it from .cc files only.
//
// User space has no preemption control: the holder of a spinlock can be
// descheduled, and a waiter that only spins would burn its whole time slice
// (forever, under ThreadSanitizer or on an oversubscribed test machine). So a
// waiter pauses the CPU for a short while, then yields on every round.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_SPIN_BACKOFF_H_
#define LOCKDEP_INSTRUMENT_KERNEL_SPIN_BACKOFF_H_

#include <sched.h>

#include "instrument/futex.h"

namespace lockdep::kernel_internal {

class SpinBackoff {
 public:
  // Waits a little; call once per failed attempt. Cost: one pause instruction
  // for the first kPausesBeforeYield rounds, then one sched_yield() syscall.
  void Pause() {
    if (rounds_ < kPausesBeforeYield) {
      ++rounds_;
      internal::CpuRelax();
    } else {
      sched_yield();
    }
  }

 private:
  static constexpr int kPausesBeforeYield = 128;

  int rounds_ = 0;
};

}  // namespace lockdep::kernel_internal

#endif  // LOCKDEP_INSTRUMENT_KERNEL_SPIN_BACKOFF_H_
