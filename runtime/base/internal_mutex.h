// The runtime's own locks, annotated for Clang's thread-safety analysis.
//
// Every internal lock of the runtime (graph lock, report log, symbolizer,
// chain self-check, freed-memory ring, lock statistics) is an InternalMutex,
// and the data each protects is marked ABSL_GUARDED_BY it, so a build with
// -Wthread-safety (./bazelw build --config=clang, run by CI) rejects an access
// without the lock at compile time. std::mutex itself carries no annotations
// in libstdc++, hence this thin wrapper.
//
// Cost: exactly std::mutex (the wrapper is inline and adds no state). These
// locks are never tracked by the validator: the runtime takes them inside
// InValidator scopes or below the hooks.
#ifndef LOCKDEP_RUNTIME_INTERNAL_MUTEX_H_
#define LOCKDEP_RUNTIME_INTERNAL_MUTEX_H_

#include <mutex>

#include "absl/base/thread_annotations.h"

namespace lockdep {

class ABSL_LOCKABLE InternalMutex {
 public:
  // Named as std::mutex's, so generic code (std::unique_lock, tests) takes
  // it too; the runtime itself uses InternalLock, which the analysis sees.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }
  // Tells the analysis the caller holds this lock where it cannot see the
  // acquisition (a lock taken in another function's scope object).
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  std::mutex mu_;
};

// Holds an InternalMutex for a scope.
class ABSL_SCOPED_LOCKABLE InternalLock {
 public:
  explicit InternalLock(InternalMutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_.lock();
  }
  ~InternalLock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  InternalLock(const InternalLock&) = delete;
  InternalLock& operator=(const InternalLock&) = delete;

 private:
  InternalMutex& mu_;
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_INTERNAL_MUTEX_H_
