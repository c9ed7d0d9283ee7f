// pthread_spin_*: spinning locks (holding one makes might_sleep() a bug, as
// for Linux's spinlock_t); no owner is recorded, so an unlock the validator
// did not see taken is reported only when the lock is not held at all.
#include <pthread.h>

#include "instrument/preload/forget.h"
#include "instrument/preload/instance_order.h"
#include "instrument/preload/lock_entry.h"
#include "instrument/preload/real.h"

using namespace lockdep::preload;

extern "C" {

int pthread_spin_init(pthread_spinlock_t* l, int pshared) {
  int ret = Real().spin_init(l, pshared);
  if (ret == 0 && !PassThrough()) {
    LockInitialised(reinterpret_cast<uintptr_t>(l), LockType::kSpin, LOCKDEP_PRELOAD_RA);
  }
  return ret;
}

int pthread_spin_destroy(pthread_spinlock_t* l) {
  if (!PassThrough()) LockDestroyed(reinterpret_cast<uintptr_t>(l), LOCKDEP_PRELOAD_RA);
  return Real().spin_destroy(l);
}

int pthread_spin_lock(pthread_spinlock_t* l) {
  if (PassThrough()) return Real().spin_lock(l);
  LockEntry* e = EntryFor(l, LockType::kSpin, LOCKDEP_PRELOAD_RA);
  if (!e) return Real().spin_lock(l);
  CheckInstanceOrder(e, kLockdepWrite, LOCKDEP_PRELOAD_RA);
  lock_acquire(&e->map, 0, 0, kLockdepWrite, 1, nullptr,
               UserCallSite(LOCKDEP_PRELOAD_RA));
  int ret = Real().spin_lock(l);
  NoteAcquired(e, kLockdepWrite);
  return ret;
}

int pthread_spin_trylock(pthread_spinlock_t* l) {
  const TryAcquire t = PrepareTryAcquire(l, LockType::kSpin, LOCKDEP_PRELOAD_RA);
  int ret = Real().spin_trylock(l);
  if (ret != 0 || t.entry == nullptr) return ret;
  lock_acquire(&t.entry->map, 0, 1, kLockdepWrite, 1, nullptr, t.site);
  NoteAcquired(t.entry, kLockdepWrite);
  return ret;
}

int pthread_spin_unlock(pthread_spinlock_t* l) {
  if (!PassThrough()) {
    if (LockEntry* e = EntryFor(l, LockType::kSpin, 0)) {
      // Held by nobody (glibc's state, forget.h): a release nobody took.
      if (lock_is_held(&e->map) || !SpinHeld(*l)) {
        lock_release(&e->map, LOCKDEP_PRELOAD_RA);
        NoteReleased(e);
      }
    }
  }
  return Real().spin_unlock(l);
}

}  // extern "C"
