#include "instrument/preload/forget.h"

#include <pthread.h>

#include "instrument/preload/lock_classes.h"
#include "instrument/preload/reentry.h"
#include "runtime/lockdep.h"

namespace lockdep::preload {

bool LockedNow(LockType type, uintptr_t addr) {
  switch (type) {
    case LockType::kMutex:
      return reinterpret_cast<const pthread_mutex_t*>(addr)->__data.__lock != 0;
    case LockType::kRwlock: {
      // glibc's __readers: bit 1 write-locked, bits 3.. the reader count.
      unsigned r = reinterpret_cast<const pthread_rwlock_t*>(addr)->__data.__readers;
      return (r & 2) != 0 || (r >> 3) != 0;
    }
    case LockType::kSpin:
      return SpinHeld(*reinterpret_cast<const volatile int*>(addr));
  }
  return false;
}

void ForgetHeldLock(LockEntry& e, uintptr_t addr) {
  if (!g_ready.load(std::memory_order_relaxed)) return;
  bool mine = lock_is_held(&e.map);
  lockdep_destroy_map(&e.map, LockedNow(e.type, addr));
  // Reported once; the stale entry would otherwise be reported again at
  // thread exit, about memory that no longer exists.
  if (mine) lock_release(&e.map, 0);
}

void ForgetLocksIn(uintptr_t start, size_t size) {
  ForEachLockIn(start, size, [](LockEntry& e) {
    ForgetHeldLock(e, e.addr.load(std::memory_order_relaxed));
  });
}

void LockInitialised(uintptr_t addr, LockType type, uintptr_t ra) {
  Busy busy;
  if (LockEntry* old = FindLock(addr)) {
    if (lock_is_held(&old->map)) debug_check_no_locks_freed(&old->map, sizeof(old->map));
  }
  ClassifyInit(addr, type, ra);
}

void LockDestroyed(uintptr_t addr) {
  if (LockEntry* e = FindLock(addr)) {
    Busy busy;
    ForgetHeldLock(*e, addr);
    RemoveLock(addr);
  }
}

}  // namespace lockdep::preload
