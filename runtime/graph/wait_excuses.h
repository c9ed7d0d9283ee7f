// Cycles through events that a waiter has already broken itself.
//
// A thread that holds L, signals X, then waits for E while still holding L
// (lock; send a request; wait for the answer; unlock) makes the class edges
// X -> L (X's signaller held L) and L -> E. With E's signaller waiting for X,
// that is the class cycle L -> E -> X -> L, yet no deadlock: the X that E's
// signaller waits for is the one this waiter signalled before it waited.
// Such a wait edge L -> E remembers the events its waiters signalled while
// holding L (intersected over every wait that made it), and a cycle in
// which X -> L is followed by L -> E, X among those events, is excused.
//
// Everything here runs under the graph lock. Limit: kMaxExcuses events per
// wait edge (more are dropped: the edge is excused less, never more).
#ifndef LOCKDEP_RUNTIME_WAIT_EXCUSES_H_
#define LOCKDEP_RUNTIME_WAIT_EXCUSES_H_

#include <cstdint>
#include <vector>

#include "runtime/base/limits.h"
#include "runtime/graph/validator.h"

namespace lockdep {

inline constexpr int kMaxExcuses = 4;

struct ExcuseSet {
  int n = 0;
  ClassId ids[kMaxExcuses] = {};
  bool Contains(ClassId id) const {
    for (int i = 0; i < n; ++i)
      if (ids[i] == id) return true;
    return false;
  }
};

// Records that a wait made (or re-made) the edge from -> to with `set`:
// the edge keeps the intersection over all of them. Returns true when the
// edge is now excused less than before (its cycles must be checked again).
bool RecordWaitExcuse(ClassId from, ClassId to, const ExcuseSet& set, bool edge_is_new)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);

// True when the cycle made of a new edge out of `from` (excused by
// `new_edge`, empty for a lock or signal edge) and `path` (from the new
// edge's end back to `from`, edge indices) is broken by a waiter's own signal (see above).
bool CycleExcused(ClassId from, const ExcuseSet& new_edge,
                  const std::vector<uint32_t>& path)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_WAIT_EXCUSES_H_
