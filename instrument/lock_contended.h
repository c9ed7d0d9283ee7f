// Linux's LOCK_CONTENDED(): the acquire sequence every primitive shares once
// the validator has been told (lock_acquire). The real lock is tried first;
// only an acquire that must wait tells lock_stat it was contended and when
// it finally got the lock, so waits are timed and uncontended acquires cost
// one try.
#ifndef LOCKDEP_INSTRUMENT_LOCK_CONTENDED_H_
#define LOCKDEP_INSTRUMENT_LOCK_CONTENDED_H_

#include "runtime/lockdep.h"

namespace lockdep::internal {

// try_lock() -> bool takes the lock if it is free; lock() waits for it.
// Both are inlined (lambdas over the primitive's raw operations).
template <typename TryLock, typename Lock>
inline void LockContended(lockdep_map* map, unsigned long ip, TryLock try_lock, Lock lock) {
  if (try_lock()) return;
  lock_contended(map, ip);
  lock();
  lock_acquired(map, ip);
}

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_LOCK_CONTENDED_H_
