// Every pthread lock the program has used: its address -> the lockdep_map
// the validator knows it by. pthread_mutex_t has no room for a map, so maps
// live here, beside the program's memory.
//
// One open-addressing table in mmap'd memory. Lookups are lock-free (one
// hash, usually one cache line); inserts and removals, rare, take one
// InternalLock. Removed entries become tombstones that later inserts reuse.
// Limit: kMaxLocks live locks; past it a new lock is left unvalidated (one
// line says so).
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_LOCK_TABLE_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_LOCK_TABLE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "runtime/lockdep_map.h"

namespace lockdep::preload {

inline constexpr size_t kMaxLocks = size_t{1} << 19;

enum class LockType : uint8_t { kMutex, kRwlock, kSpin };

struct alignas(64) LockEntry {
  std::atomic<uintptr_t> addr;  // 0 empty, 1 removed
  LockType type;
  lockdep_map map;
};

// The entry of the lock at `addr`, or nullptr. Lock-free.
LockEntry* FindLock(uintptr_t addr);

// The entry for `addr`, created with a fresh map of `key`/`name` when
// absent. When present and `reinit`, its map is initialised again (a new
// *_init call); otherwise it is returned as it is. nullptr when full.
LockEntry* InsertLock(uintptr_t addr, LockType type, lock_class_key* key,
                      const char* name, bool reinit);

// Forgets the lock at `addr` (a later use is a new lock).
void RemoveLock(uintptr_t addr);

// Calls f(entry) for every lock in [start, start+size), then forgets them.
// Cost: one probe per 8 bytes for small ranges, a table scan for large ones.
template <typename F>
void ForEachLockIn(uintptr_t start, size_t size, F f);

// Fork: the writer lock is held across fork() (see lifecycle.cc).
void LockTableForkPrepare();
void LockTableForkDone();

// --- implementation detail of ForEachLockIn.
LockEntry* LockSlots();
size_t LockSlotCount();

template <typename F>
void ForEachLockIn(uintptr_t start, size_t size, F f) {
  constexpr size_t kProbeLimit = 4096;
  if (size / 8 <= kProbeLimit) {
    for (uintptr_t a = (start + 7) & ~uintptr_t{7}; a < start + size; a += 8) {
      if (LockEntry* e = FindLock(a)) {
        f(*e);
        RemoveLock(a);
      }
    }
    return;
  }
  LockEntry* slots = LockSlots();
  if (!slots) return;
  for (size_t i = 0, n = LockSlotCount(); i < n; ++i) {
    uintptr_t a = slots[i].addr.load(std::memory_order_acquire);
    if (a > 1 && a >= start && a < start + size) {
      f(slots[i]);
      RemoveLock(a);
    }
  }
}

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_LOCK_TABLE_H_
