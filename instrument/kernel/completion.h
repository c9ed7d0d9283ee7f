// struct completion: "wait until something happened", the kernel's one-shot
// (or counted) event.
//
// complete() lets one waiter (present or future) through; complete_all() lets
// every waiter through until reinit_completion(). Completions have no owner,
// so lockdep tracks no lock order for them (no lockdep_map), but the waits may
// sleep and so call might_sleep(). The counter is a std::atomic (release in
// complete, acquire in the wait), so ThreadSanitizer sees the happens-before;
// waiters park on it with futex. Jiffies are milliseconds.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_COMPLETION_H_
#define LOCKDEP_INSTRUMENT_KERNEL_COMPLETION_H_

#include <atomic>
#include <climits>
#include <cstdint>

// Linux's "no timeout" for wait_for_completion_timeout().
#define MAX_SCHEDULE_TIMEOUT LONG_MAX

// Usable as a global, member, array element or heap object; zero-initialised
// it is a fresh (not completed) completion. Not copyable.
struct completion {
  // complete() calls not yet consumed by a waiter; UINT32_MAX after
  // complete_all(), which no waiter consumes.
  std::atomic<uint32_t> done{0};
  // Threads in (or about to enter) the futex sleep; lets complete() skip the
  // wake-up syscall when nobody waits.
  std::atomic<uint32_t> sleepers{0};
};

#define COMPLETION_INITIALIZER(work) \
  {}
#define DECLARE_COMPLETION(work) \
  struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work) DECLARE_COMPLETION(work)

// Makes *x a fresh completion. Only while no thread waits on it.
void init_completion(struct completion* x);
// Forgets earlier complete()/complete_all() calls, for reuse. Only while no
// thread waits on it.
void reinit_completion(struct completion* x);

// Lets one waiter through (a later one if none waits now). Cost: one atomic
// operation, plus a wake-up syscall when a thread sleeps.
void complete(struct completion* x);
// Lets every present and future waiter through, until reinit_completion().
void complete_all(struct completion* x);

// Sleeps until complete() or complete_all() lets this thread through.
void wait_for_completion(struct completion* x);
// As wait_for_completion, for at most `timeout` jiffies (milliseconds;
// MAX_SCHEDULE_TIMEOUT waits as long as it takes). Returns 0 on timeout, else
// the jiffies left, at least 1.
unsigned long wait_for_completion_timeout(struct completion* x,
                                          unsigned long timeout);

#endif  // LOCKDEP_INSTRUMENT_KERNEL_COMPLETION_H_
