// The interrupt-context half of the spin_lock_irq/_irqsave/_bh and
// read_/write_lock_irq/_irqsave/_bh variants. Internal to instrument/kernel:
// include it from .cc files only.
//
// Every such variant, of spinlocks and rwlocks alike, enters its context
// through EnterLockContext() before acquiring and leaves it through
// LeaveLockContext() after releasing, in the kernel's order. The simulated
// interrupt contexts (local_irq_*, local_bh_*) do not exist yet, so today both
// only hand back flags == 0 and the variants behave as the plain lock and
// unlock; when the contexts land, disabling and restoring them is added here,
// in one place, for every variant.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_LOCK_CONTEXT_H_
#define LOCKDEP_INSTRUMENT_KERNEL_LOCK_CONTEXT_H_

namespace lockdep::kernel_internal {

enum class LockContext {
  kIrq,      // _irq: disable interrupts; the unlock enables them.
  kIrqSave,  // _irqsave: save and disable; the unlock restores `flags`.
  kBh,       // _bh: disable soft interrupts; the unlock enables them.
};

// Called before the lock is acquired. Returns the flags an _irqsave caller
// gets back (always 0 for now).
inline unsigned long EnterLockContext(LockContext context) {
  (void)context;
  return 0;
}

// Called after the lock is released, with the flags EnterLockContext returned
// (for kIrqSave) or 0.
inline void LeaveLockContext(LockContext context, unsigned long flags) {
  (void)context;
  (void)flags;
}

}  // namespace lockdep::kernel_internal

#endif  // LOCKDEP_INSTRUMENT_KERNEL_LOCK_CONTEXT_H_
