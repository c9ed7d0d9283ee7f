// struct completion: "wait until something happened", the kernel's one-shot
// (or counted) event.
//
// complete() lets one waiter (present or future) through; complete_all() lets
// every waiter through until reinit_completion(). A completion is an event of
// the lock graph (runtime/wait_event.h, docs/waits.md): its class is its
// init_completion()/DECLARE_COMPLETION site, waiting for it while holding a
// lock its completer takes first is a "possible circular wait dependency",
// and the waits may sleep and so call might_sleep(). The counter is a std::atomic (release in
// complete, acquire in the wait), so ThreadSanitizer sees the happens-before;
// waiters park on it with futex. Jiffies are milliseconds.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_COMPLETION_H_
#define LOCKDEP_INSTRUMENT_KERNEL_COMPLETION_H_

#include <atomic>
#include <climits>
#include <cstdint>

#include "runtime/wait_event.h"

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
  // The event's class and round; all zero (never initialised): not tracked.
  lockdep_event dep_map;
};

#define COMPLETION_INITIALIZER(work) \
  { {0}, {0}, LOCKDEP_EVENT_STATIC_INIT(#work, kLockdepEventCompletion) }
#define DECLARE_COMPLETION(work) \
  struct completion work = COMPLETION_INITIALIZER(work)
// On the stack the object cannot be its own key: a static key of the site.
#define DECLARE_COMPLETION_ONSTACK(work) \
  struct completion work;                \
  init_completion(&work)

// Makes *x a fresh completion, of the event class of this call site. Only
// while no thread waits on it.
#define init_completion(x)                                  \
  do {                                                      \
    static lock_class_key lockdep_completion_key;           \
    lockdep_init_completion((x), #x, &lockdep_completion_key); \
  } while (0)
void lockdep_init_completion(struct completion* x, const char* name,
                             lock_class_key* key);
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
