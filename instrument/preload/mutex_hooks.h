// The mutex half of pthread_cond_wait: it releases its mutex while it
// sleeps and re-takes it before returning (mutex.cc).
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_MUTEX_HOOKS_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_MUTEX_HOOKS_H_

#include <pthread.h>

#include <cstdint>

namespace lockdep::preload {

// Drops `m` from the validator's held locks before glibc unlocks it; false
// when this unlock is one the validator must not see (a recursive inner
// unlock, an error-checking mutex's EPERM, a lock taken untracked).
bool ReleaseMutex(pthread_mutex_t* m, uintptr_t ra);

// Records `m` as taken again, after glibc re-took it.
void ReacquireMutex(pthread_mutex_t* m, uintptr_t ra);

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_MUTEX_HOOKS_H_
