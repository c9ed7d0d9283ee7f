// Simulated interrupt contexts: Linux's <linux/irqflags.h>, <linux/bottom_half.h>
// and <linux/preempt.h> context tests, per thread, over the runtime's context
// hooks (runtime/lockdep.h).
//
// User space has no interrupts. A thread plays "interrupts disabled" with
// local_irq_disable(), "in a hard interrupt handler" between irq_enter() and
// irq_exit() (the handler runs with irqs off), "bottom halves disabled" with
// local_bh_disable() (counted: it nests), and "in a softirq / tasklet" between
// lockdep_softirq_enter() and lockdep_softirq_exit(). The validator records, per
// lock class, in which of these contexts each lock was used, and reports the
// combinations that deadlock when a real interrupt arrives ("inconsistent lock
// state", "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected", ...).
// InstallIrqSignalHandler() (irq_signal.h) makes a real signal handler a hard
// interrupt handler.
//
// The state is per thread and starts as process context with irqs and bottom
// halves enabled. Every function is out of line and records its caller's
// address. Cost: a call and a few thread-local stores; turning irqs or bottom
// halves back on while holding locks marks those locks' usage (the validator's
// slow path, the first time only).
#ifndef LOCKDEP_INSTRUMENT_KERNEL_IRQ_H_
#define LOCKDEP_INSTRUMENT_KERNEL_IRQ_H_

#include "instrument/kernel/annotations.h"
#include "runtime/lockdep.h"

// The bit of `flags` (local_irq_save, spin_lock_irqsave) that says irqs were
// enabled: x86's EFLAGS.IF, so the values look like the kernel's on x86.
#define LOCKDEP_IRQ_FLAGS_ENABLED 0x200UL

// 1 when `flags` (from local_irq_save) records irqs disabled, as in Linux.
inline int irqs_disabled_flags(unsigned long flags) {
  return (flags & LOCKDEP_IRQ_FLAGS_ENABLED) == 0;
}

// ---------------------------------------------------------------------------
// Hard interrupts on/off. Not counted, as in Linux: one local_irq_enable()
// undoes any number of local_irq_disable() calls; nest with save/restore.
// Enabling delivers the interrupts (signals of InstallIrqSignalHandler) that
// arrived on this thread while they were off.

void local_irq_disable();
void local_irq_enable();
// `flags` (an unsigned long lvalue) := whether irqs were enabled; then they
// are disabled.
#define local_irq_save(flags)                  \
  do {                                         \
    LOCKDEP_KERNEL_TYPECHECK_FLAGS(flags);     \
    (flags) = _local_irq_save();               \
  } while (0)
// Back to the state `flags` recorded.
#define local_irq_restore(flags)               \
  do {                                         \
    LOCKDEP_KERNEL_TYPECHECK_FLAGS(flags);     \
    _local_irq_restore(flags);                 \
  } while (0)
unsigned long _local_irq_save();
void _local_irq_restore(unsigned long flags);

// ---------------------------------------------------------------------------
// Bottom halves (soft interrupts) off/on. Counted: they nest.
void local_bh_disable();
void local_bh_enable();

// ---------------------------------------------------------------------------
// Entering and leaving interrupt handlers.

// A hard interrupt handler starts: in_irq() becomes true and irqs are off
// until the matching irq_exit(), which restores the irq state from before.
void irq_enter();
void irq_exit();
// A softirq / tasklet body starts: in_softirq() and in_serving_softirq() are
// true until the matching exit. Linux's annotation of the same name; call it
// with bottom halves disabled, as __do_softirq() does. (C++ overloads of the
// runtime hooks of the same name, which take the caller's address.)
void lockdep_softirq_enter();
void lockdep_softirq_exit();

// ---------------------------------------------------------------------------
// Context tests, as <linux/preempt.h> defines them. Non-zero means true.

// In a hard interrupt handler (between irq_enter and irq_exit).
inline int in_irq() { return lockdep_hardirq_depth() > 0; }
inline int in_hardirq() { return in_irq(); }
// Running a softirq body (between lockdep_softirq_enter and _exit).
inline int in_serving_softirq() { return lockdep_softirq_depth() > 0; }
// Linux: softirq_count() != 0, i.e. serving a softirq OR bottom halves
// disabled (local_bh_disable, spin_lock_bh): "softirqs cannot run here", not
// only "a softirq is running". Use in_serving_softirq() for the latter.
inline int in_softirq() {
  return in_serving_softirq() || lockdep_bh_disable_depth() > 0;
}
// Linux: irq_count() != 0, i.e. in_irq() || in_softirq(); so also true with
// bottom halves disabled in process context.
inline int in_interrupt() { return in_irq() || in_softirq(); }
// Plain process context.
inline int in_task() { return !in_interrupt(); }
// Hard irqs are off (local_irq_disable, spin_lock_irq*, in a handler).
inline int irqs_disabled() { return lockdep_hardirqs_enabled() ? 0 : 1; }

// ---------------------------------------------------------------------------
// Assertions: report (title contains "irqs") when the state differs; the
// program goes on. Cost: one thread-local load when they hold.
#define lockdep_assert_irqs_disabled()                  \
  do {                                                  \
    ::lockdep_assert_irqs_hook(0, LOCKDEP_THIS_IP);     \
  } while (0)
#define lockdep_assert_irqs_enabled()                   \
  do {                                                  \
    ::lockdep_assert_irqs_hook(1, LOCKDEP_THIS_IP);     \
  } while (0)

#endif  // LOCKDEP_INSTRUMENT_KERNEL_IRQ_H_
