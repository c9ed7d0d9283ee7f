// struct semaphore: the kernel's counting semaphore.
//
// down() takes one unit, sleeping while none is left; up() returns one, from
// any thread. A semaphore is an event of the lock graph (runtime/wait_event.h,
// docs/waits.md), of the class of its sema_init() site: down() waits for it,
// up() signals it, so down() under a lock that the up()per takes first is a
// "possible circular wait dependency"; down() may sleep and so calls
// might_sleep(). The count is a std::atomic (acquire on down, release on up),
// so ThreadSanitizer sees the happens-before; sleepers park on it with futex.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_SEMAPHORE_H_
#define LOCKDEP_INSTRUMENT_KERNEL_SEMAPHORE_H_

#include <atomic>
#include <cstdint>

#include "runtime/wait_event.h"

// Usable as a global, member, array element or heap object; zero-initialised
// it is a semaphore with count 0. Set the count with sema_init(). Not copyable.
struct semaphore {
  // The count, an int (two's complement in the futex word): units left, or,
  // below 0, how many up()s are owed before a down() can succeed.
  std::atomic<uint32_t> count{0};
  // Threads in (or about to enter) the futex sleep; lets up() skip the wake-up
  // syscall when nobody waits.
  std::atomic<uint32_t> sleepers{0};
  // The event's class and round; all zero (no sema_init): not tracked.
  lockdep_event dep_map;
};

// Sets the count to `val`. Only while no thread uses the semaphore. A negative
// `val` is kept as a negative count: down() then sleeps until -val + 1 up()s
// have come (Linux stores the count unsigned, so there a negative value
// wraps to a huge count and down() never waits; here it is not let through).
// The event class is the call site's.
#define sema_init(sem, val)                                  \
  do {                                                       \
    static lock_class_key lockdep_sema_key;                  \
    lockdep_sema_init((sem), (val), #sem, &lockdep_sema_key); \
  } while (0)
void lockdep_sema_init(struct semaphore* sem, int val, const char* name,
                       lock_class_key* key);

// Takes one unit, sleeping until one is available.
void down(struct semaphore* sem);
// Takes one unit only if one is available: 0 on success, 1 (without waiting)
// on failure -- the inverse of the lock trylocks, as in Linux.
int down_trylock(struct semaphore* sem);
// Returns one unit and wakes one sleeper if any. Cost: one atomic operation,
// plus a wake-up syscall when a thread sleeps.
void up(struct semaphore* sem);

#endif  // LOCKDEP_INSTRUMENT_KERNEL_SEMAPHORE_H_
