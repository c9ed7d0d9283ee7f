// rwlock_t: the kernel's busy-waiting reader-writer lock, as Linux's queued
// rwlock (CONFIG_QUEUED_RWLOCKS).
//
// Many readers or one writer. Fair in process context: a reader waits while a
// writer holds the lock *or waits for it*, so writers are not starved, and a
// process-context reader that re-takes a read lock it holds while a writer
// waits deadlocks. In interrupt context (hard irq, softirq, or bottom halves
// disabled: Linux's in_interrupt()) a reader waits only for a writer that
// holds the lock, so readers there are recursive. Lockdep is told the same
// (Linux's read_lock_is_recursive()): a process-context reader is a
// non-recursive read (read=1), an interrupt-context one recursive (read=2);
// writers are write acquires. So `read_lock(A); spin_lock(B)` against
// `spin_lock(B); read_lock(A)` is reported, as in Linux.
//
// Waiters spin (pausing, then yielding), never sleep; the map is marked
// spinning, so might_sleep() under either side is reported. The lock word is a
// std::atomic with acquire/release ordering, so ThreadSanitizer sees the
// happens-before.
//
// Every lock/unlock function is out of line and records its caller's address;
// the lockdep hook runs before spinning, and after success for trylocks.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_RWLOCK_H_
#define LOCKDEP_INSTRUMENT_KERNEL_RWLOCK_H_

#include <atomic>
#include <cstdint>

#include "instrument/kernel/annotations.h"
#include "runtime/lockdep.h"
#include "runtime/lockdep_map.h"

// Usable as a global, member, array element or heap object; constant-
// initialisable. Initialise with rwlock_init() or define with DEFINE_RWLOCK()
// before use. Not copyable.
struct rwlock_t {
  // Bit 63: a writer holds the lock. Bits 32..62: writers waiting for it.
  // Bits 0..31: readers holding it.
  std::atomic<uint64_t> state{0};
  // The writer holding the lock (an id internal to the primitives), 0 while
  // no writer does: only the holder's write_unlock() releases it.
  std::atomic<uint32_t> owner{0};
  lockdep_map dep_map;
};

// Linux's lockdep selftest switch: when true, every read_lock() is a recursive
// reader for lockdep (the raw lock is unchanged). Linux's selftests run most
// groups this way; tests here do the same. Default false.
extern std::atomic<bool> force_read_lock_recursive;

// True when a read_lock() now would be a recursive reader: in interrupt
// context (in_interrupt()), or when forced. Linux's read_lock_is_recursive().
bool read_lock_is_recursive();

inline lockdep_map* lockdep_map_of(rwlock_t* lock) { return &lock->dep_map; }
inline const lockdep_map* lockdep_map_of(const rwlock_t* lock) {
  return &lock->dep_map;
}

// Static initialiser: unlocked, class keyed by the lock's own address.
#define __RW_LOCK_UNLOCKED(lockname) \
  { .dep_map = LOCKDEP_MAP_STATIC_INIT_SPIN(#lockname) }
#define DEFINE_RWLOCK(x) rwlock_t x = __RW_LOCK_UNLOCKED(x)

// Initialises *l unlocked; one lock class per call site, named by the argument.
#define rwlock_init(l)                          \
  do {                                          \
    static lock_class_key __key;                \
    __rwlock_init((l), #l, &__key);             \
  } while (0)
void __rwlock_init(rwlock_t* lock, const char* name, lock_class_key* key);

// Shared: waits while a writer holds the lock, and in process context also
// while one waits for it.
void read_lock(rwlock_t* lock);
// 1 when taken (no writer held or waited for it), else 0 without waiting.
int read_trylock(rwlock_t* lock);
// Drops one read hold. Without a read hold of this thread (per the validator's
// held-lock stack, while validation is on) it changes nothing: the validator
// reports the bad unlock.
void read_unlock(rwlock_t* lock);

// Exclusive: waits until no reader and no writer holds the lock.
void write_lock(rwlock_t* lock);
// 1 when taken (the lock was free, no writer waiting), else 0 without waiting.
int write_trylock(rwlock_t* lock);
// Releases the write hold. Only the holding writer releases it: a second
// unlock, or one from another thread, changes nothing (reported).
void write_unlock(rwlock_t* lock);

// Interrupt-context variants, as spinlock_t's (see spinlock.h): _irq,
// _irqsave/_irqrestore (`flags` is an unsigned long lvalue) and _bh change the
// simulated irq / bottom-half state around the lock in the kernel's order.
// A reader in interrupt context (and under read_lock_bh) is recursive, so
// writers elsewhere must disable that interrupt, as in Linux.
void read_lock_irq(rwlock_t* lock);
void read_unlock_irq(rwlock_t* lock);
void read_lock_bh(rwlock_t* lock);
void read_unlock_bh(rwlock_t* lock);
void write_lock_irq(rwlock_t* lock);
void write_unlock_irq(rwlock_t* lock);
void write_lock_bh(rwlock_t* lock);
void write_unlock_bh(rwlock_t* lock);
#define read_lock_irqsave(l, flags)       \
  do {                                    \
    LOCKDEP_KERNEL_TYPECHECK_FLAGS(flags); \
    (flags) = _read_lock_irqsave(l);      \
  } while (0)
#define write_lock_irqsave(l, flags)      \
  do {                                    \
    LOCKDEP_KERNEL_TYPECHECK_FLAGS(flags); \
    (flags) = _write_lock_irqsave(l);     \
  } while (0)
unsigned long _read_lock_irqsave(rwlock_t* lock);
unsigned long _write_lock_irqsave(rwlock_t* lock);
void read_unlock_irqrestore(rwlock_t* lock, unsigned long flags);
void write_unlock_irqrestore(rwlock_t* lock, unsigned long flags);

#endif  // LOCKDEP_INSTRUMENT_KERNEL_RWLOCK_H_
