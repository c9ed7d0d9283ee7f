#include "instrument/kernel/mutex.h"

#include "instrument/kernel/annotations.h"
#include "instrument/kernel/ww_mutex_raw.h"
#include "instrument/futex.h"
#include "instrument/owner.h"
#include "runtime/lockdep.h"
#include "instrument/lock_contended.h"

using lockdep::internal::LockContended;

namespace {

using lockdep::kernel_internal::Acquire;
using lockdep::internal::FutexWait;
using lockdep::internal::FutexWake;
using lockdep::internal::kNoOwner;
using lockdep::internal::ThisOwnerId;
using lockdep::kernel_internal::IsWwBase;
using lockdep::kernel_internal::WwBaseIsLocked;
using lockdep::kernel_internal::WwBaseLock;
using lockdep::kernel_internal::WwBaseTryLock;
using lockdep::kernel_internal::WwBaseUnlock;

[[maybe_unused]] constinit DEFINE_MUTEX(constant_init_check);

constexpr uint32_t kUnlocked = 0;
constexpr uint32_t kLocked = 1;
constexpr uint32_t kContended = 2;  // locked, and a waiter may be asleep

// Both return with the owner recorded. The base of a ww_mutex fails the
// fast CAS and goes to the ww_mutex algorithm (ww_mutex_raw.h).
bool RawTryLock(struct mutex* lock, unsigned long ip) {
  uint32_t c = kUnlocked;
  if (!lock->state.compare_exchange_strong(c, kLocked,
                                           std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
    return IsWwBase(c) && WwBaseTryLock(lock, ip);
  }
  lock->owner.store(ThisOwnerId(), std::memory_order_relaxed);
  return true;
}

// "Futexes Are Tricky", mutex 3: a waiter always leaves the word at
// kContended, so the unlocker knows it must wake someone.
void RawLock(struct mutex* lock, unsigned long ip) {
  uint32_t c = kUnlocked;
  if (!lock->state.compare_exchange_strong(c, kLocked,
                                           std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
    if (IsWwBase(c)) {
      WwBaseLock(lock, ip);
      return;
    }
    if (c != kContended) {
      c = lock->state.exchange(kContended, std::memory_order_acquire);
    }
    while (c != kUnlocked) {
      FutexWait(&lock->state, kContended);
      c = lock->state.exchange(kContended, std::memory_order_acquire);
    }
  }
  lock->owner.store(ThisOwnerId(), std::memory_order_relaxed);
}

// Only the holder releases: an unlock of an unlocked mutex, or of one another
// thread holds, writes nothing (the validator reports it).
void RawUnlock(struct mutex* lock) {
  if (lock->owner.load(std::memory_order_relaxed) != ThisOwnerId()) return;
  lock->owner.store(kNoOwner, std::memory_order_relaxed);
  if (lock->state.exchange(kUnlocked, std::memory_order_release) ==
      kContended) {
    FutexWake(&lock->state, 1);
  }
}

void Lock(struct mutex* lock, unsigned int subclass, lockdep_map* nest_lock,
          unsigned long ip) {
  lockdep_might_sleep(__FILE__, __LINE__, ip);
  Acquire(&lock->dep_map, subclass, 0, kLockdepWrite, nest_lock, ip);
  LockContended(&lock->dep_map, ip, [&] { return RawTryLock(lock, ip); },
                [&] { RawLock(lock, ip); });
}

}  // namespace

void __mutex_init(struct mutex* lock, const char* name, lock_class_key* key) {
  debug_check_no_locks_freed(lock, sizeof(*lock));
  lock->state.store(kUnlocked, std::memory_order_relaxed);
  lock->owner.store(kNoOwner, std::memory_order_relaxed);
  lock->dep_map.novalidate = 0;
  lockdep_init_map(&lock->dep_map, name, key, 0);
}

void mutex_destroy(struct mutex* lock) {
  lockdep_destroy_map(&lock->dep_map, mutex_is_locked(lock) ? 1 : 0);
}

// Out of line and never inlined, so LOCKDEP_RET_IP is in the caller's code.
__attribute__((noinline)) void mutex_lock(struct mutex* lock) {
  Lock(lock, 0, nullptr, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void mutex_lock_nested(struct mutex* lock,
                                                 unsigned int subclass) {
  Lock(lock, subclass, nullptr, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void _mutex_lock_nest_lock(struct mutex* lock,
                                                     lockdep_map* nest_lock) {
  Lock(lock, 0, nest_lock, LOCKDEP_RET_IP);
}

__attribute__((noinline)) int mutex_lock_interruptible(struct mutex* lock) {
  Lock(lock, 0, nullptr, LOCKDEP_RET_IP);
  return 0;
}

__attribute__((noinline)) int mutex_trylock(struct mutex* lock) {
  if (!RawTryLock(lock, LOCKDEP_RET_IP)) return 0;
  Acquire(&lock->dep_map, 0, 1, kLockdepWrite, nullptr, LOCKDEP_RET_IP);
  return 1;
}

__attribute__((noinline)) void mutex_unlock(struct mutex* lock) {
  if (IsWwBase(lock->state.load(std::memory_order_relaxed))) {
    WwBaseUnlock(lock, LOCKDEP_RET_IP);
    return;
  }
  lock_release(&lock->dep_map, LOCKDEP_RET_IP);
  RawUnlock(lock);
}

bool mutex_is_locked(struct mutex* lock) {
  const uint32_t s = lock->state.load(std::memory_order_relaxed);
  return IsWwBase(s) ? WwBaseIsLocked(lock) : s != kUnlocked;
}
