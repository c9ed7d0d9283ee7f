// Waits and events under the preload library (docs/waits.md): condition
// variables, POSIX semaphores and thread exits are events of the lock graph.
// pthread_cond_t and sem_t have no room for a lockdep_event, so events live
// in a table beside the program's memory, keyed by the object's address,
// classed on first use by the rules of lock_classes.h.
//
// Limit: kMaxEvents objects; past it an object goes untracked (a missed
// report, never a wrong one).
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_EVENTS_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_EVENTS_H_

#include <cstddef>
#include <cstdint>

#include "runtime/wait_event.h"

namespace lockdep::preload {

inline constexpr size_t kMaxEvents = size_t{1} << 16;

// The event of the object at `addr` (`type`: "cond" or "sem"), created and
// classed on first use; nullptr when the table or the class pool is full.
// Cost: a lock-free probe; the first use classifies (a walk of the loaded
// objects and the block table). Caller is not inside a Busy scope.
lockdep_event* EventOf(const void* addr, const char* type, lockdep_event_kind kind);

// Fork: the event table's lock is held across fork() (see lifecycle.cc).
void EventsForkPrepare();
void EventsForkDone();

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_EVENTS_H_
