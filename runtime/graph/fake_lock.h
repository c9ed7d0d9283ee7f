// For the graph package's tests: a lock with no lock in it, a bare
// lockdep_map driven through the hooks, so a test can take any order on one
// thread without blocking; and the kinds of the reports collected so far.
#ifndef LOCKDEP_RUNTIME_GRAPH_FAKE_LOCK_H_
#define LOCKDEP_RUNTIME_GRAPH_FAKE_LOCK_H_

#include <vector>

#include "runtime/base/limits.h"
#include "runtime/lockdep.h"
#include "runtime/report.h"

namespace lockdep {

struct FakeLock {
  lockdep_map map;
  // spinning: a spinning lock's class (sleeping under it is a report).
  FakeLock(const char* name, lock_class_key* key, int spinning = 0) {
    lockdep_init_map_wait(&map, name, key, 0, spinning);
  }
  // Out of line, like a real lock function, so LOCKDEP_RET_IP is the caller.
  __attribute__((noinline)) void Lock(int read = 0, unsigned subclass = 0) {
    lock_acquire(&map, subclass, 0, read, 1, nullptr, LOCKDEP_RET_IP);
  }
  __attribute__((noinline)) void TryLock() {
    lock_acquire(&map, 0, 1, 0, 1, nullptr, LOCKDEP_RET_IP);
  }
  __attribute__((noinline)) void Unlock() { lock_release(&map, LOCKDEP_RET_IP); }
  // The class the map resolved to at its first acquire.
  ClassId id() const { return map.class_cache[0].load(); }
};

inline std::vector<ReportKind> CollectedKinds() {
  std::vector<ReportKind> kinds;
  for (const Report& r : CollectedReports()) kinds.push_back(r.kind);
  return kinds;
}

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_GRAPH_FAKE_LOCK_H_
