// pthread_mutex_*: validated as lockdep's mutexes, then done by glibc.
//
// glibc's own state decides the cases lockdep must leave alone: a recursive
// mutex re-taken by its owner is one lock, not a new acquire; an
// error-checking mutex re-locked or unlocked by the wrong thread keeps its
// EDEADLK / EPERM answer for the program to handle.
#include <errno.h>
#include <pthread.h>

#include "instrument/preload/forget.h"
#include "instrument/preload/instance_order.h"
#include "instrument/preload/lock_entry.h"
#include "instrument/preload/mutex_hooks.h"
#include "instrument/preload/real.h"

namespace lockdep::preload {
namespace {

// glibc keeps the type in the low two bits of __kind (robust, PI and
// elision flags above them).
int Kind(const pthread_mutex_t* m) { return m->__data.__kind & 3; }
bool OwnedBySelf(const pthread_mutex_t* m) { return m->__data.__owner == SelfTid(); }
// A robust mutex whose owner died is acquired all the same.
bool Acquired(int ret) { return ret == 0 || ret == EOWNERDEAD; }

// True when this lock call must not be seen by the validator: a recursive
// re-take, or an error-checking re-lock (EDEADLK comes back).
bool SkipAcquire(const pthread_mutex_t* m) {
  int kind = Kind(m);
  return (kind == PTHREAD_MUTEX_RECURSIVE_NP || kind == PTHREAD_MUTEX_ERRORCHECK_NP) &&
         OwnedBySelf(m);
}

// Wraps a blocking acquire: validated before it can block, undone if it
// fails (a timeout still taught the order it tried).
template <typename F>
int BlockingLock(pthread_mutex_t* m, uintptr_t ra, F real) {
  if (PassThrough() || SkipAcquire(m)) return real();
  LockEntry* e = EntryFor(m, LockType::kMutex, ra);
  if (!e) return real();
  CheckInstanceOrder(e, kLockdepWrite, ra);
  lock_acquire(&e->map, 0, 0, kLockdepWrite, 1, nullptr, UserCallSite(ra));
  int ret = real();
  if (!Acquired(ret)) {
    lock_release(&e->map, ra);
  } else {
    NoteAcquired(e, kLockdepWrite);
  }
  return ret;
}

}  // namespace

// Releases the validator's hold of `m` before glibc unlocks it (shared with
// pthread_cond_wait). False when the unlock is one the validator must not see.
bool ReleaseMutex(pthread_mutex_t* m, uintptr_t ra) {
  int kind = Kind(m);
  bool owned = OwnedBySelf(m);
  if (kind == PTHREAD_MUTEX_RECURSIVE_NP && owned && m->__data.__count > 1) return false;
  if (kind == PTHREAD_MUTEX_ERRORCHECK_NP && !owned) return false;  // EPERM
  LockEntry* e = EntryFor(m, LockType::kMutex, 0);
  if (!e) return false;
  // Taken while the library stood aside (before it was ready, in a signal
  // handler inside it): not a bad unlock. Held by nobody here: it is one.
  if (!lock_is_held(&e->map) && owned) return false;
  lock_release(&e->map, ra);
  NoteReleased(e);
  return true;
}

// Re-takes `m` in the validator after glibc did (pthread_cond_wait).
void ReacquireMutex(pthread_mutex_t* m, uintptr_t ra) {
  if (LockEntry* e = EntryFor(m, LockType::kMutex, ra)) {
    CheckInstanceOrder(e, kLockdepWrite, ra);
    lock_acquire(&e->map, 0, 0, kLockdepWrite, 1, nullptr, UserCallSite(ra));
    NoteAcquired(e, kLockdepWrite);
  }
}

}  // namespace lockdep::preload

using namespace lockdep::preload;

extern "C" {

int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* attr) {
  int ret = Real().mutex_init(m, attr);
  if (ret == 0 && !PassThrough()) {
    LockInitialised(reinterpret_cast<uintptr_t>(m), LockType::kMutex, LOCKDEP_PRELOAD_RA);
  }
  return ret;
}

int pthread_mutex_destroy(pthread_mutex_t* m) {
  if (!PassThrough()) LockDestroyed(reinterpret_cast<uintptr_t>(m), LOCKDEP_PRELOAD_RA);
  return Real().mutex_destroy(m);
}

int pthread_mutex_lock(pthread_mutex_t* m) {
  auto real = Real().mutex_lock;
  return BlockingLock(m, LOCKDEP_PRELOAD_RA, [&] { return real(m); });
}

int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* t) {
  auto real = Real().mutex_timedlock;
  return BlockingLock(m, LOCKDEP_PRELOAD_RA, [&] { return real(m, t); });
}

int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t c, const struct timespec* t) {
  auto real = Real().mutex_clocklock;
  return BlockingLock(m, LOCKDEP_PRELOAD_RA, [&] { return real(m, c, t); });
}

int pthread_mutex_trylock(pthread_mutex_t* m) {
  const TryAcquire t = PrepareTryAcquire(m, LockType::kMutex, LOCKDEP_PRELOAD_RA);
  int ret = Real().mutex_trylock(m);
  if (!Acquired(ret) || t.entry == nullptr) return ret;
  // A recursive trylock that only counted up is no new acquire.
  if (Kind(m) == PTHREAD_MUTEX_RECURSIVE_NP && m->__data.__count > 1) return ret;
  lock_acquire(&t.entry->map, 0, 1, kLockdepWrite, 1, nullptr, t.site);
  NoteAcquired(t.entry, kLockdepWrite);
  return ret;
}

int pthread_mutex_unlock(pthread_mutex_t* m) {
  if (!PassThrough()) ReleaseMutex(m, LOCKDEP_PRELOAD_RA);
  return Real().mutex_unlock(m);
}

}  // extern "C"
