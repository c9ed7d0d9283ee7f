// struct rw_semaphore: the kernel's sleeping reader-writer lock.
//
// Many readers or one writer, fair both ways, as Linux's rwsem: once a
// writer waits, new readers wait behind it, so writers do not starve; and a
// writer's release lets every reader that was waiting in before the next
// writer (a reader phase), so readers do not starve under a stream of
// writers. A waiting writer blocking new readers is also why a thread
// re-taking a read lock it holds can deadlock (a writer queued in between
// blocks it) and why lockdep validates rwsem readers as non-recursive reads
// (read=1). The writer is recorded: up_write()/downgrade_write() by another
// thread, and up_read() by a thread holding no read lock (per the held-lock
// stack), are reported by the validator and change nothing. Every lock function except the trylocks may
// sleep, so it calls might_sleep() first. The state is one std::atomic word
// with acquire/release ordering (ThreadSanitizer sees the happens-before);
// waiters sleep on it with futex and every release that lets someone in wakes
// all sleepers, who re-check (simple, and rwsems are rarely hot in tests).
//
// Limits: 2^20 - 1 concurrent readers, 511 writers waiting at once.
//
// Every lock/unlock function is out of line and records its caller's address;
// the lockdep hook runs before sleeping, and after success for trylocks.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_RWSEM_H_
#define LOCKDEP_INSTRUMENT_KERNEL_RWSEM_H_

#include <atomic>
#include <cstdint>

#include "instrument/kernel/annotations.h"
#include "runtime/lockdep.h"
#include "runtime/lockdep_map.h"

// Usable as a global, member, array element or heap object; constant-
// initialisable. Initialise with init_rwsem() or define with DECLARE_RWSEM()
// before use. Not copyable.
struct rw_semaphore {
  // Bits 0..19: readers holding it. Bit 20: a writer holds it. Bits 21..29:
  // writers waiting. Bit 30: a reader phase (writers wait for its readers).
  // Bit 31: a reader may be asleep waiting.
  std::atomic<uint32_t> state{0};
  // The writer holding it (an id internal to the primitives), else 0.
  std::atomic<uint32_t> owner{0};
  lockdep_map dep_map;
};

inline lockdep_map* lockdep_map_of(struct rw_semaphore* sem) {
  return &sem->dep_map;
}
inline const lockdep_map* lockdep_map_of(const struct rw_semaphore* sem) {
  return &sem->dep_map;
}

// Static initialiser: unlocked, class keyed by the semaphore's own address.
#define __RWSEM_INITIALIZER(name) \
  { .dep_map = LOCKDEP_MAP_STATIC_INIT(#name) }
#define DECLARE_RWSEM(name) struct rw_semaphore name = __RWSEM_INITIALIZER(name)

// Initialises *sem unlocked; one lock class per call site, named by the argument.
#define init_rwsem(sem)                         \
  do {                                          \
    static lock_class_key __key;                \
    __init_rwsem((sem), #sem, &__key);          \
  } while (0)
void __init_rwsem(struct rw_semaphore* sem, const char* name,
                  lock_class_key* key);

// Shared: sleeps while a writer holds the semaphore or waits for it.
void down_read(struct rw_semaphore* sem);
// As down_read, validated as `subclass` (0..7) of the semaphore's class.
void down_read_nested(struct rw_semaphore* sem, int subclass);
// 1 when taken (no writer holds or waits), else 0 without waiting.
int down_read_trylock(struct rw_semaphore* sem);
// Drops one read hold. Without a read hold (on this thread) it changes
// nothing (the validator reports the bad unlock).
void up_read(struct rw_semaphore* sem);

// Exclusive: sleeps until no reader and no writer holds the semaphore.
void down_write(struct rw_semaphore* sem);
// As down_write, validated as `subclass` (0..7) of the semaphore's class.
void down_write_nested(struct rw_semaphore* sem, int subclass);
// 1 when taken (nobody held it), else 0 without waiting.
int down_write_trylock(struct rw_semaphore* sem);
// Releases the write hold. Without one (on this thread) it changes nothing
// (reported).
void up_write(struct rw_semaphore* sem);
// Turns this thread's write hold into a read hold atomically (no other writer
// can get in between); readers sleeping behind it are woken. Release with
// up_read(). Without a write hold it changes nothing (reported).
void downgrade_write(struct rw_semaphore* sem);

// 1 when some thread holds it (read or write), else 0. A snapshot.
int rwsem_is_locked(struct rw_semaphore* sem);

#endif  // LOCKDEP_INSTRUMENT_KERNEL_RWSEM_H_
