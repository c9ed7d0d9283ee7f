// spinlock_t: the kernel's busy-waiting mutual-exclusion lock.
//
// Waiters spin (pausing the CPU, then yielding), never sleep, so hold it only
// for short, non-sleeping sections; its map is marked spinning, so
// might_sleep() under it is reported. Not
// fair, not recursive. The lock word is a std::atomic taken with acquire and
// released with release ordering, so ThreadSanitizer sees the happens-before.
//
// Every lock/unlock function is out of line and records its caller's address
// (LOCKDEP_RET_IP) as the "at:" location of the held lock. The lockdep acquire
// hook runs before spinning, so an order problem is reported before a real
// deadlock could hang; a successful trylock is recorded after it succeeds.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_SPINLOCK_H_
#define LOCKDEP_INSTRUMENT_KERNEL_SPINLOCK_H_

#include <atomic>
#include <cstdint>

#include "instrument/kernel/annotations.h"
#include "runtime/lockdep.h"
#include "runtime/lockdep_map.h"

// Usable as a global, member, array element or heap object; constant-
// initialisable. Initialise with spin_lock_init() or define with
// DEFINE_SPINLOCK() before use. Not copyable (it embeds atomics).
struct spinlock {
  // 0 unlocked, 1 locked.
  std::atomic<uint32_t> locked{0};
  // The holding thread (an id internal to the primitives), 0 while free.
  std::atomic<uint32_t> owner{0};
  lockdep_map dep_map;
};
typedef struct spinlock spinlock_t;

inline lockdep_map* lockdep_map_of(spinlock_t* lock) { return &lock->dep_map; }
inline const lockdep_map* lockdep_map_of(const spinlock_t* lock) {
  return &lock->dep_map;
}

// Static initialiser: unlocked, class keyed by the lock's own address, so the
// object must have static storage duration.
#define __SPIN_LOCK_UNLOCKED(lockname) \
  { .dep_map = LOCKDEP_MAP_STATIC_INIT_SPIN(#lockname) }
// `static DEFINE_SPINLOCK(name);` or `DEFINE_SPINLOCK(name);` at namespace scope.
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

// Initialises *l unlocked. Every call site is one lock class, named by the
// argument as written ("&dev->lock"), as in Linux. Initialising a lock that
// this thread holds reports "held lock freed".
#define spin_lock_init(l)                       \
  do {                                          \
    static lock_class_key __key;                \
    __spin_lock_init((l), #l, &__key);          \
  } while (0)
void __spin_lock_init(spinlock_t* lock, const char* name, lock_class_key* key);

// Takes the lock, spinning while another thread holds it.
void spin_lock(spinlock_t* lock);
// As spin_lock, validated as `subclass` (0..7) of the lock's class, for taking
// two locks of one class in a fixed order.
void spin_lock_nested(spinlock_t* lock, unsigned int subclass);
// Takes the lock only if it is free: 1 on success, 0 (without waiting) if not.
int spin_trylock(spinlock_t* lock);
// Releases the lock. Only the holding thread releases it: releasing an
// unlocked spinlock, or one another thread holds (a second unlock after
// another thread took it, an unlock from the wrong thread), is reported by
// the validator and changes nothing.
void spin_unlock(spinlock_t* lock);

// Interrupt-context variants (simulated per thread, see irq.h), in the
// kernel's order: _irq disables hard irqs then locks, and unlocks then enables
// them; _irqsave saves the irq state in `flags` (an unsigned long lvalue) and
// disables, _irqrestore unlocks then restores `flags`; _bh disables bottom
// halves then locks, and unlocks then enables them. A lock also taken in an
// interrupt handler must be taken with these everywhere else, or the validator
// reports "inconsistent lock state".
void spin_lock_irq(spinlock_t* lock);
void spin_unlock_irq(spinlock_t* lock);
void spin_lock_bh(spinlock_t* lock);
void spin_unlock_bh(spinlock_t* lock);
#define spin_lock_irqsave(l, flags)       \
  do {                                    \
    LOCKDEP_KERNEL_TYPECHECK_FLAGS(flags); \
    (flags) = _spin_lock_irqsave(l);      \
  } while (0)
unsigned long _spin_lock_irqsave(spinlock_t* lock);
void spin_unlock_irqrestore(spinlock_t* lock, unsigned long flags);

// 1 when some thread holds the lock, else 0. A snapshot: it may change at once.
int spin_is_locked(spinlock_t* lock);

// Linux's assert_spin_locked() only checks that *someone* holds the lock. Here
// it is lockdep_assert_held(): *this thread* holds it, which is what callers
// mean and what catches the bug (someone else holding it proves nothing).
#define assert_spin_locked(l) lockdep_assert_held(l)

#endif  // LOCKDEP_INSTRUMENT_KERNEL_SPINLOCK_H_
