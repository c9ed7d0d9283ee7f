#include "instrument/kernel/rwlock.h"

#include "instrument/kernel/annotations.h"
#include "instrument/kernel/lock_context.h"
#include "instrument/kernel/spin_backoff.h"
#include "runtime/lockdep.h"

namespace {

using lockdep::kernel_internal::Acquire;
using lockdep::kernel_internal::EnterLockContext;
using lockdep::kernel_internal::LeaveLockContext;
using lockdep::kernel_internal::LockContext;
using lockdep::kernel_internal::SpinBackoff;

[[maybe_unused]] constinit DEFINE_RWLOCK(constant_init_check);

constexpr uint32_t kWriter = 1u << 31;
constexpr uint32_t kReaderMask = kWriter - 1;

bool RawReadTryLock(rwlock_t* lock) {
  uint32_t s = lock->state.load(std::memory_order_relaxed);
  while ((s & kWriter) == 0) {
    if (lock->state.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

// Reader preference is what makes recursive reads safe: a waiting writer
// leaves no mark in the word, so only a writer that holds the lock stops us.
void RawReadLock(rwlock_t* lock) {
  SpinBackoff backoff;
  while (!RawReadTryLock(lock)) {
    while (lock->state.load(std::memory_order_relaxed) & kWriter) {
      backoff.Pause();
    }
  }
}

void RawReadUnlock(rwlock_t* lock) {
  uint32_t s = lock->state.load(std::memory_order_relaxed);
  // No read hold (free or write-held): nothing to drop.
  while ((s & kReaderMask) != 0) {
    if (lock->state.compare_exchange_weak(s, s - 1, std::memory_order_release,
                                          std::memory_order_relaxed)) {
      return;
    }
  }
}

bool RawWriteTryLock(rwlock_t* lock) {
  uint32_t expected = 0;
  return lock->state.load(std::memory_order_relaxed) == 0 &&
         lock->state.compare_exchange_strong(expected, kWriter,
                                             std::memory_order_acquire,
                                             std::memory_order_relaxed);
}

void RawWriteLock(rwlock_t* lock) {
  SpinBackoff backoff;
  while (!RawWriteTryLock(lock)) {
    while (lock->state.load(std::memory_order_relaxed) != 0) backoff.Pause();
  }
}

// While a writer holds the lock the word is exactly kWriter; anything else
// means there is no write hold to release.
void RawWriteUnlock(rwlock_t* lock) {
  uint32_t expected = kWriter;
  lock->state.compare_exchange_strong(expected, 0, std::memory_order_release,
                                      std::memory_order_relaxed);
}

void ReadLock(rwlock_t* lock, unsigned long ip) {
  Acquire(&lock->dep_map, 0, 0, kLockdepReadRecursive, nullptr, ip);
  RawReadLock(lock);
}

void ReadUnlock(rwlock_t* lock, unsigned long ip) {
  lock_release(&lock->dep_map, ip);
  RawReadUnlock(lock);
}

void WriteLock(rwlock_t* lock, unsigned long ip) {
  Acquire(&lock->dep_map, 0, 0, kLockdepWrite, nullptr, ip);
  RawWriteLock(lock);
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

void __rwlock_init(rwlock_t* lock, const char* name, lock_class_key* key) {
  debug_check_no_locks_freed(lock, sizeof(*lock));
  lock->state.store(0, std::memory_order_relaxed);
  lock->dep_map.novalidate = 0;
  // A spinning lock: might_sleep() while holding it is a bug.
  lockdep_init_map_wait(&lock->dep_map, name, key, 0, /*spinning=*/1);
}

// Out of line and never inlined, so LOCKDEP_RET_IP is in the caller's code.
__attribute__((noinline)) void read_lock(rwlock_t* lock) {
  ReadLock(lock, LOCKDEP_RET_IP);
}

__attribute__((noinline)) int read_trylock(rwlock_t* lock) {
  if (!RawReadTryLock(lock)) return 0;
  Acquire(&lock->dep_map, 0, 1, kLockdepReadRecursive, nullptr,
          LOCKDEP_RET_IP);
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
