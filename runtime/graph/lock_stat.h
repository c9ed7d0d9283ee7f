// Lock statistics (LOCKDEP_OPTIONS=lock_stat=1), as Linux's CONFIG_LOCK_STAT:
// per class and acquire site, acquisitions, contentions, wait time (from
// lock_contended() to lock_acquired()) and hold time (from the acquisition to
// lock_release()).
//
// Off by default. Off, every hook is one relaxed load of a flag that is never
// written after start-up. On, each thread counts into its own table (no lock,
// no shared cache line), read by LockStatSnapshot(); a thread's table is
// handed to the next new thread when it exits, so memory grows with the number
// of threads alive at once, not ever created.
// Limits: kLockStatSites sites per thread table; kMaxLockDepth locks timed per
// thread (deeper ones are not timed).
#ifndef LOCKDEP_RUNTIME_LOCK_STAT_H_
#define LOCKDEP_RUNTIME_LOCK_STAT_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "runtime/base/internal_mutex.h"
#include "runtime/lockdep.h"

namespace lockdep {

inline constexpr size_t kLockStatSites = 512;

inline bool LockStatOn() { return lockdep_lock_stat_on.load(std::memory_order_relaxed); }
// Turns collection on or off (start-up reads lock_stat=; tests may call it).
void SetLockStat(bool on);

// Hooks behind lock_acquire() / lock_release() (called only when LockStatOn()).
void LockStatAcquire(const lockdep_map* map, unsigned subclass, unsigned long ip);
void LockStatRelease(const lockdep_map* map);

struct TimeTotals {
  uint64_t count = 0, min_ns = 0, max_ns = 0, total_ns = 0;
  void Add(const TimeTotals& other);
};

// One class (key + subclass, as the class registry knows it) at one site.
struct LockStatRecord {
  uintptr_t class_key = 0;
  unsigned long ip = 0;
  uint64_t acquisitions = 0;
  uint64_t contentions = 0;
  TimeTotals wait, hold;
};

// The sums over every thread, one record per (class key, site). Allocates;
// safe while other threads count (each figure is read atomically).
std::vector<LockStatRecord> LockStatSnapshot();
// Forgets every figure (tests; no thread may be counting).
void LockStatClear();

// The lock statistics' lock, for the fork handlers (process/fork_safety.cc).
InternalMutex& LockStatMutex();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_LOCK_STAT_H_
