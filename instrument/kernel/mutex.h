// struct mutex: the kernel's sleeping mutual-exclusion lock.
//
// A futex mutex (Drepper's three states): uncontended lock and unlock are one
// atomic operation each; a contended waiter sleeps in the kernel and costs the
// unlocker one wake-up syscall. Not fair, not recursive. The mutex records
// its holder: an unlock by any other thread (a second unlock after another
// thread took it, an unlock from the wrong thread) is reported by the
// validator and leaves the mutex alone. Every lock function
// may sleep, so it calls might_sleep() first (reported under a spinlock). The
// lock word is a std::atomic with acquire/release ordering, so
// ThreadSanitizer sees the happens-before.
//
// Every lock/unlock function is out of line and records its caller's address;
// the lockdep hook runs before sleeping, and after success for mutex_trylock.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_MUTEX_H_
#define LOCKDEP_INSTRUMENT_KERNEL_MUTEX_H_

#include <atomic>
#include <cstdint>

#include "instrument/kernel/annotations.h"
#include "runtime/lockdep.h"
#include "runtime/lockdep_map.h"

// Usable as a global, member, array element or heap object; constant-
// initialisable. Initialise with mutex_init() or define with DEFINE_MUTEX()
// before use. Not copyable.
struct mutex {
  // 0 unlocked, 1 locked, 2 locked and a waiter may be sleeping. In the base
  // of a ww_mutex, bit 31 is set and the word is ww_mutex.h's.
  std::atomic<uint32_t> state{0};
  // The holding thread (an id internal to the primitives), 0 while free.
  std::atomic<uint32_t> owner{0};
  lockdep_map dep_map;
};

inline lockdep_map* lockdep_map_of(struct mutex* lock) { return &lock->dep_map; }
inline const lockdep_map* lockdep_map_of(const struct mutex* lock) {
  return &lock->dep_map;
}

// Static initialiser: unlocked, class keyed by the mutex's own address.
#define __MUTEX_INITIALIZER(lockname) \
  { .dep_map = LOCKDEP_MAP_STATIC_INIT(#lockname) }
#define DEFINE_MUTEX(mutexname) \
  struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

// Initialises *m unlocked; one lock class per call site, named by the argument.
#define mutex_init(m)                           \
  do {                                          \
    static lock_class_key __key;                \
    __mutex_init((m), #m, &__key);              \
  } while (0)
void __mutex_init(struct mutex* lock, const char* name, lock_class_key* key);

// Marks the mutex dead: a later use reports "use of uninitialized or destroyed
// lock", destroying it while held reports "held lock freed". Re-initialise
// with mutex_init() to use it again.
void mutex_destroy(struct mutex* lock);

// Takes the mutex, sleeping while another thread holds it.
void mutex_lock(struct mutex* lock);
// As mutex_lock, validated as `subclass` (0..7) of the mutex's class.
void mutex_lock_nested(struct mutex* lock, unsigned int subclass);
// As mutex_lock, for taking many mutexes of one class under `nest`, a held
// lock that serialises doing so (any lock object or a lockdep_map).
#define mutex_lock_nest_lock(m, nest) \
  _mutex_lock_nest_lock((m), ::lockdep_map_of(nest))
void _mutex_lock_nest_lock(struct mutex* lock, lockdep_map* nest_lock);
// User space has no signals to interrupt the wait: it always takes the mutex
// and returns 0.
int mutex_lock_interruptible(struct mutex* lock);
// Takes the mutex only if it is free: 1 on success, 0 (without waiting) if not.
int mutex_trylock(struct mutex* lock);
// Releases the mutex and wakes one waiter if any sleeps. Only the holding
// thread releases it: unlocking an unlocked mutex, or one another thread
// holds, is reported by the validator and changes nothing.
void mutex_unlock(struct mutex* lock);

// True when some thread holds the mutex. A snapshot: it may change at once.
bool mutex_is_locked(struct mutex* lock);

#endif  // LOCKDEP_INSTRUMENT_KERNEL_MUTEX_H_
