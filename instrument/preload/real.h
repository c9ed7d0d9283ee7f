// The functions the preload library replaces, as the next object in the
// lookup order (normally glibc) defines them: every interposer ends in one.
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_REAL_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_REAL_H_

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include <cstddef>

namespace lockdep::preload {

struct RealFunctions {
  int (*mutex_init)(pthread_mutex_t*, const pthread_mutexattr_t*);
  int (*mutex_destroy)(pthread_mutex_t*);
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_trylock)(pthread_mutex_t*);
  int (*mutex_timedlock)(pthread_mutex_t*, const timespec*);
  int (*mutex_clocklock)(pthread_mutex_t*, clockid_t, const timespec*);
  int (*mutex_unlock)(pthread_mutex_t*);
  int (*rwlock_init)(pthread_rwlock_t*, const pthread_rwlockattr_t*);
  int (*rwlock_destroy)(pthread_rwlock_t*);
  int (*rwlock_rdlock)(pthread_rwlock_t*);
  int (*rwlock_tryrdlock)(pthread_rwlock_t*);
  int (*rwlock_timedrdlock)(pthread_rwlock_t*, const timespec*);
  int (*rwlock_clockrdlock)(pthread_rwlock_t*, clockid_t, const timespec*);
  int (*rwlock_wrlock)(pthread_rwlock_t*);
  int (*rwlock_trywrlock)(pthread_rwlock_t*);
  int (*rwlock_timedwrlock)(pthread_rwlock_t*, const timespec*);
  int (*rwlock_clockwrlock)(pthread_rwlock_t*, clockid_t, const timespec*);
  int (*rwlock_unlock)(pthread_rwlock_t*);
  int (*spin_init)(pthread_spinlock_t*, int);
  int (*spin_destroy)(pthread_spinlock_t*);
  int (*spin_lock)(pthread_spinlock_t*);
  int (*spin_trylock)(pthread_spinlock_t*);
  int (*spin_unlock)(pthread_spinlock_t*);
  int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t,
                        const timespec*);
  int (*cond_signal)(pthread_cond_t*);
  int (*cond_broadcast)(pthread_cond_t*);
  int (*sem_wait)(sem_t*);
  int (*sem_timedwait)(sem_t*, const timespec*);
  int (*sem_post)(sem_t*);
  int (*create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  int (*join)(pthread_t, void**);
  void* (*malloc)(size_t);
  void (*free)(void*);
  void* (*calloc)(size_t, size_t);
  void* (*realloc)(void*, size_t);
  int (*posix_memalign)(void**, size_t, size_t);
  void* (*aligned_alloc)(size_t, size_t);
  void* (*memalign)(size_t, size_t);
  void* (*valloc)(size_t);
  void* (*pvalloc)(size_t);
};

// The resolved functions. The first call resolves them all (dlsym with
// RTLD_NEXT; dlvsym for the pthread_cond_* of glibc 2.3.2, not the old ABI);
// thread-safe and idempotent. Cost after that: one load.
const RealFunctions& Real();

// dlsym may allocate, and its allocation lands in our malloc before the real
// one is known: such requests are served from a static buffer, never freed.
// True when `p` came from there (free and realloc must not pass it on).
bool IsBootstrapMemory(const void* p);
// Serves an allocation from the bootstrap buffer (nullptr when exhausted).
void* BootstrapAlloc(size_t size, size_t align);
// True while this thread resolves the real functions.
bool Resolving();

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_REAL_H_
