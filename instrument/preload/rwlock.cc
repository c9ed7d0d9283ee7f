// pthread_rwlock_*: writers as lockdep write locks; readers as recursive
// readers when glibc lets a reader pass a waiting writer (its default,
// reader preference), as non-recursive ones when it does not
// (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP), exactly the distinction
// Linux draws between rwlock_t and rw_semaphore readers.
#include <errno.h>
#include <pthread.h>

#include "instrument/preload/forget.h"
#include "instrument/preload/instance_order.h"
#include "instrument/preload/lock_entry.h"
#include "instrument/preload/real.h"

using namespace lockdep::preload;

namespace {

int ReadKind(const pthread_rwlock_t* l) {
  return l->__data.__flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
             ? kLockdepReadNonRecursive
             : kLockdepReadRecursive;
}

template <typename F>
int BlockingLock(pthread_rwlock_t* l, int read, uintptr_t ra, F real) {
  if (PassThrough()) return real();
  LockEntry* e = EntryFor(l, LockType::kRwlock, ra);
  if (!e) return real();
  CheckInstanceOrder(e, read, ra);
  lock_acquire(&e->map, 0, 0, read, 1, nullptr, UserCallSite(ra));
  int ret = real();
  if (ret != 0) {
    lock_release(&e->map, ra);
  } else {
    NoteAcquired(e, read);
  }
  return ret;
}

// `try_lock` is the real trylock, tried after the entry is found (lock_entry.h).
template <typename Try>
int TryLock(pthread_rwlock_t* l, int read, uintptr_t ra, Try try_lock) {
  const TryAcquire t = PrepareTryAcquire(l, LockType::kRwlock, ra);
  int ret = try_lock();
  if (ret != 0 || t.entry == nullptr) return ret;
  lock_acquire(&t.entry->map, 0, 1, read, 1, nullptr, t.site);
  NoteAcquired(t.entry, read);
  return ret;
}

}  // namespace

extern "C" {

int pthread_rwlock_init(pthread_rwlock_t* l, const pthread_rwlockattr_t* attr) {
  int ret = Real().rwlock_init(l, attr);
  if (ret == 0 && !PassThrough()) {
    LockInitialised(reinterpret_cast<uintptr_t>(l), LockType::kRwlock, LOCKDEP_PRELOAD_RA);
  }
  return ret;
}

int pthread_rwlock_destroy(pthread_rwlock_t* l) {
  if (!PassThrough()) LockDestroyed(reinterpret_cast<uintptr_t>(l), LOCKDEP_PRELOAD_RA);
  return Real().rwlock_destroy(l);
}

int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  auto real = Real().rwlock_rdlock;
  return BlockingLock(l, ReadKind(l), LOCKDEP_PRELOAD_RA, [&] { return real(l); });
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t* l, const struct timespec* t) {
  auto real = Real().rwlock_timedrdlock;
  return BlockingLock(l, ReadKind(l), LOCKDEP_PRELOAD_RA, [&] { return real(l, t); });
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t* l, clockid_t c, const struct timespec* t) {
  auto real = Real().rwlock_clockrdlock;
  return BlockingLock(l, ReadKind(l), LOCKDEP_PRELOAD_RA, [&] { return real(l, c, t); });
}

int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  auto real = Real().rwlock_wrlock;
  return BlockingLock(l, kLockdepWrite, LOCKDEP_PRELOAD_RA, [&] { return real(l); });
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t* l, const struct timespec* t) {
  auto real = Real().rwlock_timedwrlock;
  return BlockingLock(l, kLockdepWrite, LOCKDEP_PRELOAD_RA, [&] { return real(l, t); });
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t* l, clockid_t c, const struct timespec* t) {
  auto real = Real().rwlock_clockwrlock;
  return BlockingLock(l, kLockdepWrite, LOCKDEP_PRELOAD_RA, [&] { return real(l, c, t); });
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t* l) {
  return TryLock(l, ReadKind(l), LOCKDEP_PRELOAD_RA, [l] { return Real().rwlock_tryrdlock(l); });
}

int pthread_rwlock_trywrlock(pthread_rwlock_t* l) {
  return TryLock(l, kLockdepWrite, LOCKDEP_PRELOAD_RA, [l] { return Real().rwlock_trywrlock(l); });
}

int pthread_rwlock_unlock(pthread_rwlock_t* l) {
  if (!PassThrough()) {
    if (LockEntry* e = EntryFor(l, LockType::kRwlock, 0)) {
      // Readers have no owner to compare with: a release the validator did
      // not see taken is reported only when the lock is not held at all.
      bool writer_self = l->__data.__cur_writer == SelfTid();
      if (lock_is_held(&e->map) ||
          (!writer_self && !LockedNow(LockType::kRwlock, reinterpret_cast<uintptr_t>(l)))) {
        lock_release(&e->map, LOCKDEP_PRELOAD_RA);
        NoteReleased(e);
      }
    }
  }
  return Real().rwlock_unlock(l);
}

}  // extern "C"
