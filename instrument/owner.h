// Who holds a lock: a small number per thread that the exclusive primitives
// store while locked, so that an unlock by a thread that does not hold the
// lock (a second unlock after another thread took it, an unlock from the
// wrong thread) is recognised and leaves the real lock alone. The validator
// reports such an unlock ("bad unlock balance detected"); the owner check is
// what keeps the lock itself correct, also while validation is off.
// Internal to instrument/: include it from .cc files only.
#ifndef LOCKDEP_INSTRUMENT_OWNER_H_
#define LOCKDEP_INSTRUMENT_OWNER_H_

#include <cstdint>

namespace lockdep::internal {

// No thread: the value of an owner word while the lock is free.
inline constexpr uint32_t kNoOwner = 0;

// The calling thread's id (never kNoOwner): unique among the threads of the
// process (a 32-bit counter: ids repeat after four billion threads). Not the
// kernel tid, so it costs no syscall, and the child of a fork() keeps its
// thread's id, so it still owns the locks that thread held.
uint32_t NewOwnerId();
extern constinit thread_local uint32_t t_owner_id;
inline uint32_t ThisOwnerId() {
  const uint32_t id = t_owner_id;
  return id != kNoOwner ? id : NewOwnerId();
}

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_OWNER_H_
