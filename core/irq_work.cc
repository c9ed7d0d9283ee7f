#include "core/irq_work.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "instrument/kernel.h"

namespace {

// The queue and the thread that drains it. Allocated once and never freed:
// the thread outlives static destructors.
struct IrqWorkQueue {
  // Not a lockdep lock: it stands for the hardware's IPI, which Linux's
  // lockdep does not see either.
  std::mutex mu;
  std::condition_variable queued;
  std::condition_variable done;
  struct irq_work* head = nullptr;
  struct irq_work* tail = nullptr;
  // The work running now (only compared, never dereferenced: its func may
  // have freed it).
  const struct irq_work* running = nullptr;
  // Works queued and works finished since start: equal when idle.
  uint64_t enqueued = 0;
  uint64_t finished = 0;
};

thread_local bool on_irq_work_thread = false;

void run_queue(IrqWorkQueue* q) {
  on_irq_work_thread = true;
  std::unique_lock<std::mutex> lock(q->mu);
  for (;;) {
    q->queued.wait(lock, [q] { return q->head != nullptr; });
    struct irq_work* work = q->head;
    q->head = work->next;
    if (q->head == nullptr) q->tail = nullptr;
    q->running = work;
    // Cleared before func runs, so func may queue its own work again.
    work->flags.fetch_and(~IRQ_WORK_PENDING, std::memory_order_acq_rel);
    lock.unlock();
    irq_enter();
    work->func(work);
    irq_exit();
    lock.lock();
    q->running = nullptr;
    q->finished++;
    q->done.notify_all();
  }
}

IrqWorkQueue* queue() {
  static IrqWorkQueue* q = [] {
    auto* created = new IrqWorkQueue;
    std::thread(run_queue, created).detach();
    return created;
  }();
  return q;
}

}  // namespace

void init_irq_work(struct irq_work* work, void (*func)(struct irq_work*)) {
  work->next = nullptr;
  work->flags.store(0, std::memory_order_relaxed);
  work->func = func;
}

bool irq_work_queue(struct irq_work* work) {
  if (work->flags.fetch_or(IRQ_WORK_PENDING, std::memory_order_acq_rel) &
      IRQ_WORK_PENDING) {
    return false;
  }
  IrqWorkQueue* q = queue();
  std::lock_guard<std::mutex> lock(q->mu);
  work->next = nullptr;
  if (q->tail) {
    q->tail->next = work;
  } else {
    q->head = work;
  }
  q->tail = work;
  q->enqueued++;
  q->queued.notify_one();
  return true;
}

bool irq_work_is_pending(struct irq_work* work) {
  return work->flags.load(std::memory_order_acquire) & IRQ_WORK_PENDING;
}

void irq_work_sync(struct irq_work* work) {
  if (on_irq_work_thread) return;
  IrqWorkQueue* q = queue();
  std::unique_lock<std::mutex> lock(q->mu);
  q->done.wait(lock, [q, work] {
    return !irq_work_is_pending(work) && q->running != work;
  });
}

void irq_work_run() {
  if (on_irq_work_thread) return;
  IrqWorkQueue* q = queue();
  std::unique_lock<std::mutex> lock(q->mu);
  q->done.wait(lock, [q] { return q->finished == q->enqueued; });
}
