#include "instrument/kernel/rwlock.h"

#include "instrument/kernel/annotations.h"
#include "instrument/kernel/irq.h"
#include "instrument/kernel/lock_context.h"
#include "instrument/kernel/spin_backoff.h"
#include "instrument/owner.h"
#include "runtime/lockdep.h"
#include "instrument/lock_contended.h"

using lockdep::internal::LockContended;

namespace {

using lockdep::kernel_internal::Acquire;
using lockdep::kernel_internal::EnterLockContext;
using lockdep::kernel_internal::LeaveLockContext;
using lockdep::kernel_internal::LockContext;
using lockdep::kernel_internal::SpinBackoff;
using lockdep::internal::kNoOwner;
using lockdep::internal::ThisOwnerId;

[[maybe_unused]] constinit DEFINE_RWLOCK(constant_init_check);

constexpr uint64_t kWriter = uint64_t{1} << 63;
constexpr uint64_t kWaitingWriter = uint64_t{1} << 32;
constexpr uint64_t kWaitingMask = kWriter - kWaitingWriter;
constexpr uint64_t kReaderMask = kWaitingWriter - 1;

// `fair`: also wait for waiting writers (process context). Unfair readers
// (interrupt context) only wait for a writer holding the lock, as Linux's
// queued_read_lock_slowpath() does when in_interrupt().
bool RawReadTryLock(rwlock_t* lock, bool fair) {
  const uint64_t blockers = fair ? (kWriter | kWaitingMask) : kWriter;
  uint64_t s = lock->state.load(std::memory_order_relaxed);
  while ((s & blockers) == 0) {
    if (lock->state.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

void RawReadLock(rwlock_t* lock, bool fair) {
  const uint64_t blockers = fair ? (kWriter | kWaitingMask) : kWriter;
  SpinBackoff backoff;
  while (!RawReadTryLock(lock, fair)) {
    while (lock->state.load(std::memory_order_relaxed) & blockers) backoff.Pause();
  }
}

void RawReadUnlock(rwlock_t* lock) {
  uint64_t s = lock->state.load(std::memory_order_relaxed);
  // No read hold: nothing to drop.
  while ((s & kReaderMask) != 0) {
    if (lock->state.compare_exchange_weak(s, s - 1, std::memory_order_release,
                                          std::memory_order_relaxed)) {
      return;
    }
  }
}

// Succeeds only on a free lock no writer waits for, as queued_write_trylock().
bool RawWriteTryLock(rwlock_t* lock) {
  uint64_t expected = 0;
  if (lock->state.load(std::memory_order_relaxed) != 0 ||
      !lock->state.compare_exchange_strong(expected, kWriter, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
    return false;
  }
  lock->owner.store(ThisOwnerId(), std::memory_order_relaxed);
  return true;
}

// Announces itself first, so new process-context readers hold back and the
// readers inside drain: writers are not starved by a stream of readers.
void RawWriteLock(rwlock_t* lock) {
  if (RawWriteTryLock(lock)) return;
  lock->state.fetch_add(kWaitingWriter, std::memory_order_relaxed);
  SpinBackoff backoff;
  for (;;) {
    uint64_t s = lock->state.load(std::memory_order_relaxed);
    if ((s & (kWriter | kReaderMask)) == 0 &&
        lock->state.compare_exchange_weak(s, s - kWaitingWriter + kWriter,
                                          std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
      lock->owner.store(ThisOwnerId(), std::memory_order_relaxed);
      return;
    }
    backoff.Pause();
  }
}

// Drops the write hold, leaving the count of waiting writers. Only the
// holding writer does: a stray unlock leaves another writer's hold alone.
void RawWriteUnlock(rwlock_t* lock) {
  if (lock->owner.load(std::memory_order_relaxed) != ThisOwnerId()) return;
  lock->owner.store(kNoOwner, std::memory_order_relaxed);
  uint64_t s = lock->state.load(std::memory_order_relaxed);
  while (s & kWriter) {
    if (lock->state.compare_exchange_weak(s, s & ~kWriter, std::memory_order_release,
                                          std::memory_order_relaxed)) {
      return;
    }
  }
}

// The read kind lockdep is told, and the raw lock's fairness, agree: an
// interrupt-context reader is recursive because it does not queue.
void ReadLock(rwlock_t* lock, unsigned long ip) {
  const bool in_irq = in_interrupt() != 0;
  Acquire(&lock->dep_map, 0, 0,
          in_irq || force_read_lock_recursive.load(std::memory_order_relaxed)
              ? kLockdepReadRecursive
              : kLockdepReadNonRecursive,
          nullptr, ip);
  LockContended(&lock->dep_map, ip, [&] { return RawReadTryLock(lock, /*fair=*/!in_irq); },
                [&] { RawReadLock(lock, /*fair=*/!in_irq); });
}

// A reader has no owner word: the held-lock stack says whether this thread
// holds a read lock (always "yes" while validation is off).
void ReadUnlock(rwlock_t* lock, unsigned long ip) {
  const bool held = lock_is_held_type(&lock->dep_map, 1);
  lock_release(&lock->dep_map, ip);
  if (held) RawReadUnlock(lock);
}

void WriteLock(rwlock_t* lock, unsigned long ip) {
  Acquire(&lock->dep_map, 0, 0, kLockdepWrite, nullptr, ip);
  LockContended(&lock->dep_map, ip, [&] { return RawWriteTryLock(lock); },
                [&] { RawWriteLock(lock); });
}

void WriteUnlock(rwlock_t* lock, unsigned long ip) {
  lock_release(&lock->dep_map, ip);
  RawWriteUnlock(lock);
}

// Every _irq/_irqsave/_bh variant goes through these (see lock_context.h).
unsigned long ReadLockInContext(rwlock_t* lock, LockContext context,
                                unsigned long ip) {
  const unsigned long flags = EnterLockContext(context, ip);
  ReadLock(lock, ip);
  return flags;
}

void ReadUnlockInContext(rwlock_t* lock, LockContext context,
                         unsigned long flags, unsigned long ip) {
  ReadUnlock(lock, ip);
  LeaveLockContext(context, flags, ip);
}

unsigned long WriteLockInContext(rwlock_t* lock, LockContext context,
                                 unsigned long ip) {
  const unsigned long flags = EnterLockContext(context, ip);
  WriteLock(lock, ip);
  return flags;
}

void WriteUnlockInContext(rwlock_t* lock, LockContext context,
                          unsigned long flags, unsigned long ip) {
  WriteUnlock(lock, ip);
  LeaveLockContext(context, flags, ip);
}

}  // namespace

std::atomic<bool> force_read_lock_recursive{false};

bool read_lock_is_recursive() {
  return force_read_lock_recursive.load(std::memory_order_relaxed) ||
         in_interrupt() != 0;
}

void __rwlock_init(rwlock_t* lock, const char* name, lock_class_key* key) {
  debug_check_no_locks_freed(lock, sizeof(*lock));
  lock->state.store(0, std::memory_order_relaxed);
  lock->owner.store(kNoOwner, std::memory_order_relaxed);
  lock->dep_map.novalidate = 0;
  // A spinning lock: might_sleep() while holding it is a bug.
  lockdep_init_map_wait(&lock->dep_map, name, key, 0, /*spinning=*/1);
}

// Out of line and never inlined, so LOCKDEP_RET_IP is in the caller's code.
__attribute__((noinline)) void read_lock(rwlock_t* lock) {
  ReadLock(lock, LOCKDEP_RET_IP);
}

__attribute__((noinline)) int read_trylock(rwlock_t* lock) {
  const bool in_irq = in_interrupt() != 0;
  if (!RawReadTryLock(lock, /*fair=*/!in_irq)) return 0;
  Acquire(&lock->dep_map, 0, 1,
          read_lock_is_recursive() ? kLockdepReadRecursive : kLockdepReadNonRecursive,
          nullptr, LOCKDEP_RET_IP);
  return 1;
}

__attribute__((noinline)) void read_unlock(rwlock_t* lock) {
  ReadUnlock(lock, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void write_lock(rwlock_t* lock) {
  WriteLock(lock, LOCKDEP_RET_IP);
}

__attribute__((noinline)) int write_trylock(rwlock_t* lock) {
  if (!RawWriteTryLock(lock)) return 0;
  Acquire(&lock->dep_map, 0, 1, kLockdepWrite, nullptr, LOCKDEP_RET_IP);
  return 1;
}

__attribute__((noinline)) void write_unlock(rwlock_t* lock) {
  WriteUnlock(lock, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void read_lock_irq(rwlock_t* lock) {
  ReadLockInContext(lock, LockContext::kIrq, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void read_unlock_irq(rwlock_t* lock) {
  ReadUnlockInContext(lock, LockContext::kIrq, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void read_lock_bh(rwlock_t* lock) {
  ReadLockInContext(lock, LockContext::kBh, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void read_unlock_bh(rwlock_t* lock) {
  ReadUnlockInContext(lock, LockContext::kBh, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) unsigned long _read_lock_irqsave(rwlock_t* lock) {
  return ReadLockInContext(lock, LockContext::kIrqSave, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void read_unlock_irqrestore(rwlock_t* lock,
                                                      unsigned long flags) {
  ReadUnlockInContext(lock, LockContext::kIrqSave, flags, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void write_lock_irq(rwlock_t* lock) {
  WriteLockInContext(lock, LockContext::kIrq, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void write_unlock_irq(rwlock_t* lock) {
  WriteUnlockInContext(lock, LockContext::kIrq, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void write_lock_bh(rwlock_t* lock) {
  WriteLockInContext(lock, LockContext::kBh, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void write_unlock_bh(rwlock_t* lock) {
  WriteUnlockInContext(lock, LockContext::kBh, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) unsigned long _write_lock_irqsave(rwlock_t* lock) {
  return WriteLockInContext(lock, LockContext::kIrqSave, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void write_unlock_irqrestore(rwlock_t* lock,
                                                       unsigned long flags) {
  WriteUnlockInContext(lock, LockContext::kIrqSave, flags, LOCKDEP_RET_IP);
}
