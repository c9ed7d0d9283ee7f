#include "instrument/kernel/rwsem.h"

#include "instrument/kernel/annotations.h"
#include "instrument/futex.h"
#include "instrument/owner.h"
#include "runtime/lockdep.h"
#include "instrument/lock_contended.h"

using lockdep::internal::LockContended;

namespace {

using lockdep::kernel_internal::Acquire;
using lockdep::internal::FutexWait;
using lockdep::internal::FutexWakeAll;
using lockdep::internal::kNoOwner;
using lockdep::internal::ThisOwnerId;

[[maybe_unused]] constinit DECLARE_RWSEM(constant_init_check);

// The layout of rw_semaphore::state.
constexpr uint32_t kReaderMask = (1u << 20) - 1;
constexpr uint32_t kWriter = 1u << 20;
constexpr uint32_t kWaitingWriter = 1u << 21;
constexpr uint32_t kWaitingWriterMask = 0x1ffu << 21;
constexpr uint32_t kReaderPhase = 1u << 30;
constexpr uint32_t kReaderAsleep = 1u << 31;

// Sleepers only ever sleep on a word that shows them (kReaderAsleep or a
// waiting-writer count), and every transition that could let one in (writer
// release, last reader leaving, downgrade) looks at those bits and wakes all
// sleepers. One futex word for readers and writers means waking one could pick
// a thread that cannot proceed, hence wake-all.
//
// Fairness, phase by phase: a waiting writer keeps new readers out (so a
// stream of readers cannot starve writers), and a writer's release with
// readers asleep starts a reader phase (kReaderPhase): the readers that were
// already waiting enter even though writers wait, and no writer enters until
// the last reader of the phase leaves (so a stream of writers cannot starve
// readers). Readers arriving during the phase wait for the next one.

// `waited`: this reader has marked itself asleep (it was waiting before the
// current phase began, or is part of it).
bool ReaderMayEnter(uint32_t s, bool waited) {
  if (s & kWriter) return false;
  if ((s & kWaitingWriterMask) == 0) return true;
  return waited && (s & kReaderPhase) != 0;
}

bool WriterMayEnter(uint32_t s) {
  return (s & (kWriter | kReaderMask | kReaderPhase)) == 0;
}

bool RawReadTryLock(struct rw_semaphore* sem) {
  uint32_t s = sem->state.load(std::memory_order_relaxed);
  while (ReaderMayEnter(s, false)) {
    if (sem->state.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

void RawReadLock(struct rw_semaphore* sem) {
  uint32_t s = sem->state.load(std::memory_order_relaxed);
  bool waited = false;
  for (;;) {
    if (ReaderMayEnter(s, waited)) {
      if (sem->state.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    if ((s & kReaderAsleep) == 0) {
      if (!sem->state.compare_exchange_weak(s, s | kReaderAsleep,
                                            std::memory_order_relaxed,
                                            std::memory_order_relaxed)) {
        continue;
      }
      s |= kReaderAsleep;
    }
    waited = true;
    FutexWait(&sem->state, s);
    s = sem->state.load(std::memory_order_relaxed);
  }
}

bool RawWriteTryLock(struct rw_semaphore* sem) {
  uint32_t s = sem->state.load(std::memory_order_relaxed);
  while (WriterMayEnter(s)) {
    if (sem->state.compare_exchange_weak(s, s | kWriter,
                                         std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

void RawWriteLock(struct rw_semaphore* sem) {
  // Take it at once if free, else queue up: the waiting count is what holds
  // new readers back.
  uint32_t s = sem->state.load(std::memory_order_relaxed);
  for (;;) {
    if (WriterMayEnter(s)) {
      if (sem->state.compare_exchange_weak(s, s | kWriter,
                                           std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    if (sem->state.compare_exchange_weak(s, s + kWaitingWriter,
                                         std::memory_order_relaxed,
                                         std::memory_order_relaxed)) {
      s += kWaitingWriter;
      break;
    }
  }
  for (;;) {
    if (WriterMayEnter(s)) {
      if (sem->state.compare_exchange_weak(s, (s - kWaitingWriter) | kWriter,
                                           std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    FutexWait(&sem->state, s);
    s = sem->state.load(std::memory_order_relaxed);
  }
}

bool HasSleepers(uint32_t s) {
  return (s & (kWaitingWriterMask | kReaderAsleep)) != 0;
}

void RawReadUnlock(struct rw_semaphore* sem) {
  uint32_t s = sem->state.load(std::memory_order_relaxed);
  for (;;) {
    if ((s & kReaderMask) == 0) return;  // no read hold to drop
    uint32_t next = s - 1;
    // The last reader out ends the reader phase.
    if ((next & kReaderMask) == 0) next &= ~kReaderPhase;
    const bool last_with_sleepers =
        (next & kReaderMask) == 0 && HasSleepers(next);
    if (last_with_sleepers) next &= ~kReaderAsleep;
    if (sem->state.compare_exchange_weak(s, next, std::memory_order_release,
                                         std::memory_order_relaxed)) {
      if (last_with_sleepers) FutexWakeAll(&sem->state);
      return;
    }
  }
}

void RawWriteUnlock(struct rw_semaphore* sem) {
  uint32_t s = sem->state.load(std::memory_order_relaxed);
  for (;;) {
    if ((s & kWriter) == 0) return;  // no write hold to release
    uint32_t next = s & ~(kWriter | kReaderAsleep);
    // Readers asleep go next, before any waiting writer.
    if (s & kReaderAsleep) next |= kReaderPhase;
    if (sem->state.compare_exchange_weak(s, next, std::memory_order_release,
                                         std::memory_order_relaxed)) {
      if (HasSleepers(s)) FutexWakeAll(&sem->state);
      return;
    }
  }
}

void RawDowngrade(struct rw_semaphore* sem) {
  uint32_t s = sem->state.load(std::memory_order_relaxed);
  for (;;) {
    if ((s & kWriter) == 0) return;  // no write hold to downgrade
    uint32_t next = (s & ~(kWriter | kReaderAsleep)) + 1;
    // Readers asleep join this one, before any waiting writer.
    if (s & kReaderAsleep) next |= kReaderPhase;
    if (sem->state.compare_exchange_weak(s, next, std::memory_order_release,
                                         std::memory_order_relaxed)) {
      // Sleeping readers may now enter.
      if (s & kReaderAsleep) FutexWakeAll(&sem->state);
      return;
    }
  }
}

void ReadLock(struct rw_semaphore* sem, unsigned int subclass,
              unsigned long ip) {
  lockdep_might_sleep(__FILE__, __LINE__, ip);
  Acquire(&sem->dep_map, subclass, 0, kLockdepReadNonRecursive, nullptr, ip);
  LockContended(&sem->dep_map, ip, [&] { return RawReadTryLock(sem); },
                [&] { RawReadLock(sem); });
}

void WriteLock(struct rw_semaphore* sem, unsigned int subclass,
               unsigned long ip) {
  lockdep_might_sleep(__FILE__, __LINE__, ip);
  Acquire(&sem->dep_map, subclass, 0, kLockdepWrite, nullptr, ip);
  LockContended(&sem->dep_map, ip, [&] { return RawWriteTryLock(sem); },
                [&] { RawWriteLock(sem); });
  sem->owner.store(ThisOwnerId(), std::memory_order_relaxed);
}

bool IsWriteOwner(const struct rw_semaphore* sem) {
  return sem->owner.load(std::memory_order_relaxed) == ThisOwnerId();
}

}  // namespace

void __init_rwsem(struct rw_semaphore* sem, const char* name,
                  lock_class_key* key) {
  debug_check_no_locks_freed(sem, sizeof(*sem));
  sem->state.store(0, std::memory_order_relaxed);
  sem->owner.store(kNoOwner, std::memory_order_relaxed);
  sem->dep_map.novalidate = 0;
  lockdep_init_map(&sem->dep_map, name, key, 0);
}

// Out of line and never inlined, so LOCKDEP_RET_IP is in the caller's code.
__attribute__((noinline)) void down_read(struct rw_semaphore* sem) {
  ReadLock(sem, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void down_read_nested(struct rw_semaphore* sem,
                                                int subclass) {
  ReadLock(sem, static_cast<unsigned int>(subclass), LOCKDEP_RET_IP);
}

__attribute__((noinline)) int down_read_trylock(struct rw_semaphore* sem) {
  if (!RawReadTryLock(sem)) return 0;
  Acquire(&sem->dep_map, 0, 1, kLockdepReadNonRecursive, nullptr,
          LOCKDEP_RET_IP);
  return 1;
}

__attribute__((noinline)) void up_read(struct rw_semaphore* sem) {
  // Readers have no owner word; the held-lock stack says whether this thread
  // holds a read lock (while validation is off it says yes: no check then).
  const bool held = lock_is_held_type(&sem->dep_map, 1) != 0;
  lock_release(&sem->dep_map, LOCKDEP_RET_IP);
  if (held) RawReadUnlock(sem);
}

__attribute__((noinline)) void down_write(struct rw_semaphore* sem) {
  WriteLock(sem, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void down_write_nested(struct rw_semaphore* sem,
                                                 int subclass) {
  WriteLock(sem, static_cast<unsigned int>(subclass), LOCKDEP_RET_IP);
}

__attribute__((noinline)) int down_write_trylock(struct rw_semaphore* sem) {
  if (!RawWriteTryLock(sem)) return 0;
  sem->owner.store(ThisOwnerId(), std::memory_order_relaxed);
  Acquire(&sem->dep_map, 0, 1, kLockdepWrite, nullptr, LOCKDEP_RET_IP);
  return 1;
}

// Only the writer releases or downgrades the write hold; anyone else's call
// is reported by the validator and changes nothing.
__attribute__((noinline)) void up_write(struct rw_semaphore* sem) {
  lock_release(&sem->dep_map, LOCKDEP_RET_IP);
  if (!IsWriteOwner(sem)) return;
  sem->owner.store(kNoOwner, std::memory_order_relaxed);
  RawWriteUnlock(sem);
}

__attribute__((noinline)) void downgrade_write(struct rw_semaphore* sem) {
  lock_downgrade(&sem->dep_map, kLockdepReadNonRecursive, LOCKDEP_RET_IP);
  if (!IsWriteOwner(sem)) return;
  sem->owner.store(kNoOwner, std::memory_order_relaxed);
  RawDowngrade(sem);
}

int rwsem_is_locked(struct rw_semaphore* sem) {
  return (sem->state.load(std::memory_order_relaxed) &
          (kWriter | kReaderMask)) != 0;
}
