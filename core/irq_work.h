// irq_work: run a function soon in hard-interrupt context, as the kernel's
// <linux/irq_work.h>. A fence callback runs under the signalled fence's lock
// and must not signal another fence there (the second fence lock nests in
// the first, and a chain of them nests without bound); dma_fence_array and
// dma_fence_chain queue an irq_work instead, which signals after the lock is
// dropped, as Linux's self-IPI does.
//
// User space has no interrupts: one process-wide thread plays the CPU that
// takes the IPI and runs every queued work, in queue order, between
// irq_enter() and irq_exit(), so lockdep sees the work's locks used in
// hard-irq context exactly as Linux's does. The thread starts at the first
// irq_work_queue() and never ends.
#ifndef LOCKDEP_CORE_IRQ_WORK_H_
#define LOCKDEP_CORE_IRQ_WORK_H_

#include <atomic>

struct irq_work {
  // In the queue; owned by the queue while IRQ_WORK_PENDING is set.
  struct irq_work* next;
  std::atomic<unsigned int> flags;
  void (*func)(struct irq_work* work);
};

enum { IRQ_WORK_PENDING = 1u };

// Makes `work` run `func` when queued. Not queued.
void init_irq_work(struct irq_work* work, void (*func)(struct irq_work*));

// Queues `work` to run once on the irq_work thread: true when queued, false
// when it was already pending (it then runs once for both). Lock-free for
// the caller in lockdep's eyes (the queue's own lock is not a lockdep lock),
// so it is safe under any lock and from any context, fence callbacks
// included. `work` must stay valid until it has run; it may be freed by its
// own func.
bool irq_work_queue(struct irq_work* work);

// Queued and not yet started.
bool irq_work_is_pending(struct irq_work* work);

// Waits until `work` is neither pending nor running. `work` must stay valid
// meanwhile (the caller holds what owns it). May sleep.
void irq_work_sync(struct irq_work* work);

// Waits until the queue is empty and idle, works queued by works included
// (Linux runs this CPU's pending works here; the irq_work "CPU" here is its
// own thread). Tests call it before checking that nothing leaked; while
// other threads keep queueing it may wait for them too. No-op on the
// irq_work thread itself. May sleep.
void irq_work_run();

#endif  // LOCKDEP_CORE_IRQ_WORK_H_
