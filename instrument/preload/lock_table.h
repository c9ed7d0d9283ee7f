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

// How a lock's life ended. A destroyed or freed lock keeps its entry (its
// map marked destroyed, with the stack of the destroy or free), so a later
// use of it is reported instead of passing as a new lock; an init at its
// address, or a new lock there (see EntryFor), revives it.
enum class LockFate : uint8_t { kLive, kDestroyed, kFreed };

inline constexpr int kDeathFrames = 8;

struct alignas(64) LockEntry {
  std::atomic<uintptr_t> addr;  // 0 empty, 1 removed
  LockType type;
  std::atomic<LockFate> fate;
  std::atomic<bool> in_order_graph;  // has per-instance orders (instance_order.h)
  uint8_t death_frames;              // of death_pcs, when dead
  lockdep_map map;
  uintptr_t death_pcs[kDeathFrames];  // the stack of the destroy or free
};

// At most this many dead entries are remembered at once; past it a lock
// destroyed or freed is forgotten at once (as before: a later use of it
// passes as a new lock).
inline constexpr size_t kMaxRememberedDead = kMaxLocks / 4;

// The entry of the lock at `addr`, or nullptr. Lock-free.
LockEntry* FindLock(uintptr_t addr);

// The entry for `addr`, created with a fresh map of `key`/`name` when
// absent. When present and `reinit`, or dead, its map is initialised again
// (a new *_init call, a new lock where a dead one was) and it is live;
// otherwise it is returned as it is. nullptr when full.
LockEntry* InsertLock(uintptr_t addr, LockType type, lock_class_key* key,
                      const char* name, bool reinit);

// Forgets the lock at `addr` (a later use is a new lock).
void RemoveLock(uintptr_t addr);

// Counts `e` (live until now) as dead with `fate`, when fewer than
// kMaxRememberedDead are: true then. The caller marks its map destroyed.
bool RememberDead(LockEntry& e, LockFate fate);

// Calls f(entry) for every lock entry (live or dead) in [start, start+size).
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
      if (LockEntry* e = FindLock(a)) f(*e);
    }
    return;
  }
  LockEntry* slots = LockSlots();
  if (!slots) return;
  for (size_t i = 0, n = LockSlotCount(); i < n; ++i) {
    uintptr_t a = slots[i].addr.load(std::memory_order_acquire);
    if (a > 1 && a >= start && a < start + size) f(slots[i]);
  }
}

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_LOCK_TABLE_H_
