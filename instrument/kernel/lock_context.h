// The interrupt-context half of local_irq_save/restore and of the
// spin_lock_irq/_irqsave/_bh and read_/write_lock_irq/_irqsave/_bh variants.
// Internal to instrument/kernel: include it from .cc files only.
//
// Every such variant, of spinlocks and rwlocks alike, enters its context
// through EnterLockContext() before acquiring and leaves it through
// LeaveLockContext() after releasing, in the kernel's order:
//   spin_lock_irq      local_irq_disable(), then acquire
//   spin_unlock_irq    release, then local_irq_enable()
//   spin_lock_irqsave  flags = local_irq_save(), then acquire
//   spin_unlock_irqrestore  release, then local_irq_restore(flags)
//   spin_lock_bh       local_bh_disable(), then acquire
//   spin_unlock_bh     release, then local_bh_enable()
// so the lock is marked by the validator as taken with irqs (or bottom halves)
// off, and the release happens before they come back on, as Linux does.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_LOCK_CONTEXT_H_
#define LOCKDEP_INSTRUMENT_KERNEL_LOCK_CONTEXT_H_

#include "instrument/kernel/irq.h"
#include "runtime/lockdep.h"

namespace lockdep::kernel_internal {

enum class LockContext {
  kIrq,      // _irq: disable interrupts; the unlock enables them.
  kIrqSave,  // _irqsave: save and disable; the unlock restores `flags`.
  kBh,       // _bh: disable soft interrupts; the unlock enables them.
};

// Runs the interrupt handlers (InstallIrqSignalHandler) whose signals arrived
// while this thread had irqs disabled, as hardware delivers a pending
// interrupt when irqs are enabled again. Defined in irq_signal.cc. Cost when
// nothing is pending: one thread-local load.
void RunPendingIrqSignals();

// Turns simulated hard irqs on and delivers what became pending meanwhile.
inline void HardirqsOn(unsigned long ip) {
  lockdep_hardirqs_on(ip);
  RunPendingIrqSignals();
}

// local_irq_save(): the flags say whether irqs were enabled; they are off
// afterwards. Like Linux it always reports "off" to the validator, which
// treats a redundant off as a no-op.
inline unsigned long IrqSave(unsigned long ip) {
  const unsigned long flags =
      lockdep_hardirqs_enabled() ? LOCKDEP_IRQ_FLAGS_ENABLED : 0;
  lockdep_hardirqs_off(ip);
  return flags;
}

// local_irq_restore(): back to the state `flags` recorded. Restoring "off"
// over "off" changes nothing and calls nothing.
inline void IrqRestore(unsigned long flags, unsigned long ip) {
  if (irqs_disabled_flags(flags)) {
    if (lockdep_hardirqs_enabled()) lockdep_hardirqs_off(ip);
  } else {
    HardirqsOn(ip);
  }
}

// Called before the lock is acquired. Returns the flags an _irqsave caller
// gets back (0 for the other variants).
inline unsigned long EnterLockContext(LockContext context, unsigned long ip) {
  switch (context) {
    case LockContext::kIrq:
      lockdep_hardirqs_off(ip);
      return 0;
    case LockContext::kIrqSave:
      return IrqSave(ip);
    case LockContext::kBh:
      lockdep_softirqs_off(ip);
      return 0;
  }
  return 0;
}

// Called after the lock is released, with the flags EnterLockContext returned
// (for kIrqSave) or 0.
inline void LeaveLockContext(LockContext context, unsigned long flags,
                             unsigned long ip) {
  switch (context) {
    case LockContext::kIrq:
      HardirqsOn(ip);
      return;
    case LockContext::kIrqSave:
      IrqRestore(flags, ip);
      return;
    case LockContext::kBh:
      lockdep_softirqs_on(ip);
      return;
  }
}

}  // namespace lockdep::kernel_internal

#endif  // LOCKDEP_INSTRUMENT_KERNEL_LOCK_CONTEXT_H_
