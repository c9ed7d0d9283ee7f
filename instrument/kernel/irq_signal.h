// Real signal handlers as hard interrupt handlers.
//
// User-space code that takes locks in a signal handler has the kernel's
// interrupt hazard exactly: if the interrupted code held the lock, the handler
// spins or blocks on it for ever. InstallIrqSignalHandler() runs a handler
// inside irq_enter()/irq_exit(), so the validator sees its locks as used in
// hardirq context and reports, e.g., "inconsistent lock state" the first time
// the same lock class is also taken with irqs enabled -- before the unlucky
// signal arrives and deadlocks.
//
// The simulation goes one step further than marking: "irqs disabled" really
// holds the interrupt off. A signal that arrives while the thread has irqs
// disabled (local_irq_disable, spin_lock_irqsave, inside another handler) is
// not run then; it is remembered and run as soon as this thread enables irqs
// again (local_irq_enable, local_irq_restore, spin_unlock_irq*, irq_exit), as
// hardware delivers a pending interrupt. So code that protects its data from
// the handler with spin_lock_irqsave() is really protected. Handlers never
// nest: while one runs, every signal installed here is blocked (sa_mask).
//
// Async-signal safety. The handler path calls only the runtime's context and
// lock hooks, which touch this thread's state and, for a lock chain seen
// before, the lock-free chain cache. The first time a chain or usage is seen,
// and whenever a report is made, the runtime takes its graph lock, captures a
// stack and (for a report) formats text with allocations -- not
// async-signal-safe. That is accepted for a test tool: a program (or test)
// that is about to be told it has a lock bug may be told from the handler.
// Under ThreadSanitizer set report_signal_unsafe=0 for tests that expect a
// report from inside a handler. A signal that lands while its thread is inside
// the validator's slow path is not tracked (the runtime's recursion guard);
// one that lands in the middle of a fast-path push of the held-lock stack is
// not guarded against. raise() and pthread_kill() from code outside the hooks
// (as the tests do) are always fine.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_IRQ_SIGNAL_H_
#define LOCKDEP_INSTRUMENT_KERNEL_IRQ_SIGNAL_H_

namespace lockdep {

// Installs `fn` as the action of signal `signo` (sigaction, SA_RESTART): on
// delivery `fn(signo)` runs between irq_enter() and irq_exit() on the thread
// the signal hit -- in_irq() is true, irqs are disabled -- or, if that thread
// has irqs disabled, later, when it enables them. errno is preserved.
// Replaces an earlier InstallIrqSignalHandler of the same signal.
// Returns 0, -EINVAL for a null `fn` or a signal that cannot be caught, or
// the negated errno of sigaction. Thread-safe; not callable from a handler.
// Cost: a few syscalls.
int InstallIrqSignalHandler(int signo, void (*fn)(int));

// Gives `signo` back the action it had before InstallIrqSignalHandler. A
// delivery still pending on some thread is then dropped. Returns 0, -EINVAL
// when `signo` has no handler installed here, or the negated errno of
// sigaction. Thread-safe; not callable from a handler.
int RemoveIrqSignalHandler(int signo);

}  // namespace lockdep

#endif  // LOCKDEP_INSTRUMENT_KERNEL_IRQ_SIGNAL_H_
