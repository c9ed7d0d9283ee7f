#include "instrument/kernel/spinlock.h"

#include "instrument/kernel/annotations.h"
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

// The header promises constant initialisation; prove it at compile time.
[[maybe_unused]] constinit DEFINE_SPINLOCK(constant_init_check);

// Test-and-test-and-set: waiters spin on a plain load, so they do not bounce
// the cache line while the lock is held.
void RawLock(spinlock_t* lock) {
  SpinBackoff backoff;
  while (lock->locked.exchange(1, std::memory_order_acquire) != 0) {
    while (lock->locked.load(std::memory_order_relaxed) != 0) backoff.Pause();
  }
  lock->owner.store(ThisOwnerId(), std::memory_order_relaxed);
}

bool RawTryLock(spinlock_t* lock) {
  if (lock->locked.load(std::memory_order_relaxed) != 0 ||
      lock->locked.exchange(1, std::memory_order_acquire) != 0) {
    return false;
  }
  lock->owner.store(ThisOwnerId(), std::memory_order_relaxed);
  return true;
}

// Only the holder releases: an unlock of an unlocked lock, or of one another
// thread holds, writes nothing (the validator reports it).
void RawUnlock(spinlock_t* lock) {
  if (lock->owner.load(std::memory_order_relaxed) != ThisOwnerId()) return;
  lock->owner.store(kNoOwner, std::memory_order_relaxed);
  lock->locked.store(0, std::memory_order_release);
}

void Lock(spinlock_t* lock, unsigned int subclass, unsigned long ip) {
  Acquire(&lock->dep_map, subclass, 0, kLockdepWrite, nullptr, ip);
  LockContended(&lock->dep_map, ip, [&] { return RawTryLock(lock); }, [&] { RawLock(lock); });
}

void Unlock(spinlock_t* lock, unsigned long ip) {
  lock_release(&lock->dep_map, ip);
  RawUnlock(lock);
}

// Every _irq/_irqsave/_bh variant goes through this pair (see lock_context.h).
unsigned long LockInContext(spinlock_t* lock, LockContext context,
                            unsigned long ip) {
  const unsigned long flags = EnterLockContext(context, ip);
  Lock(lock, 0, ip);
  return flags;
}

void UnlockInContext(spinlock_t* lock, LockContext context,
                     unsigned long flags, unsigned long ip) {
  Unlock(lock, ip);
  LeaveLockContext(context, flags, ip);
}

}  // namespace

void __spin_lock_init(spinlock_t* lock, const char* name, lock_class_key* key) {
  debug_check_no_locks_freed(lock, sizeof(*lock));
  lock->locked.store(0, std::memory_order_relaxed);
  lock->owner.store(kNoOwner, std::memory_order_relaxed);
  // Re-initialisation starts a fresh lock, as Linux's re-keying does.
  lock->dep_map.novalidate = 0;
  // A spinning lock: might_sleep() while holding it is a bug.
  lockdep_init_map_wait(&lock->dep_map, name, key, 0, /*spinning=*/1);
}

// Out of line and never inlined, so LOCKDEP_RET_IP is an address in the
// caller's code. The same holds for every function below.
__attribute__((noinline)) void spin_lock(spinlock_t* lock) {
  Lock(lock, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void spin_lock_nested(spinlock_t* lock,
                                                unsigned int subclass) {
  Lock(lock, subclass, LOCKDEP_RET_IP);
}

__attribute__((noinline)) int spin_trylock(spinlock_t* lock) {
  if (!RawTryLock(lock)) return 0;
  Acquire(&lock->dep_map, 0, 1, kLockdepWrite, nullptr, LOCKDEP_RET_IP);
  return 1;
}

__attribute__((noinline)) void spin_unlock(spinlock_t* lock) {
  Unlock(lock, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void spin_lock_irq(spinlock_t* lock) {
  LockInContext(lock, LockContext::kIrq, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void spin_unlock_irq(spinlock_t* lock) {
  UnlockInContext(lock, LockContext::kIrq, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void spin_lock_bh(spinlock_t* lock) {
  LockInContext(lock, LockContext::kBh, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void spin_unlock_bh(spinlock_t* lock) {
  UnlockInContext(lock, LockContext::kBh, 0, LOCKDEP_RET_IP);
}

__attribute__((noinline)) unsigned long _spin_lock_irqsave(spinlock_t* lock) {
  return LockInContext(lock, LockContext::kIrqSave, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void spin_unlock_irqrestore(spinlock_t* lock,
                                                      unsigned long flags) {
  UnlockInContext(lock, LockContext::kIrqSave, flags, LOCKDEP_RET_IP);
}

int spin_is_locked(spinlock_t* lock) {
  return lock->locked.load(std::memory_order_relaxed) != 0;
}
