#include "instrument/preload/block_table.h"

#include <sys/mman.h>

#include <cstring>

#include "instrument/preload/internal_lock.h"

namespace lockdep::preload {
namespace {

constexpr int kShardBits = 6;
constexpr size_t kShards = size_t{1} << kShardBits;
constexpr size_t kInitialSlots = 1024;
constexpr uintptr_t kPageShift = 12;
constexpr uint64_t kHasLocks = uint64_t{1} << 63;

// Block entries are keyed by the block's start (even: malloc aligns to 16);
// page entries by (page << 1) | 1 (odd), their value the block's start.
struct Slot {
  uintptr_t key;
  uint64_t value;  // block: size | kHasLocks; page: block start
  uintptr_t site;  // block only
};

struct Shard {
  InternalLock lock;
  Slot* slots = nullptr;
  size_t capacity = 0;  // a power of two
  size_t count = 0;
};

Shard g_shards[kShards];

inline uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

inline Shard& ShardOf(uint64_t hash) { return g_shards[hash >> (64 - kShardBits)]; }

Slot* MapSlots(size_t n) {
  void* p = mmap(nullptr, n * sizeof(Slot), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<Slot*>(p);
}

void InsertNoGrow(Shard& s, const Slot& e) {
  size_t mask = s.capacity - 1;
  for (size_t i = Mix(e.key) & mask;; i = (i + 1) & mask) {
    if (s.slots[i].key == 0 || s.slots[i].key == e.key) {
      if (s.slots[i].key == 0) ++s.count;
      s.slots[i] = e;
      return;
    }
  }
}

// Keeps the load at most one half, so probes stay short.
bool Reserve(Shard& s) {
  if (s.slots && (s.count + 1) * 2 <= s.capacity) return true;
  size_t cap = s.capacity ? s.capacity * 2 : kInitialSlots;
  Slot* fresh = MapSlots(cap);
  if (!fresh) return false;
  Slot* old = s.slots;
  size_t old_cap = s.capacity;
  s.slots = fresh;
  s.capacity = cap;
  s.count = 0;
  for (size_t i = 0; i < old_cap; ++i) {
    if (old[i].key) InsertNoGrow(s, old[i]);
  }
  if (old) munmap(old, old_cap * sizeof(Slot));
  return true;
}

void Put(const Slot& e) {
  Shard& s = ShardOf(Mix(e.key));
  InternalGuard g(s.lock);
  if (Reserve(s)) InsertNoGrow(s, e);
}

Slot* FindLocked(Shard& s, uintptr_t key) {
  if (!s.slots) return nullptr;
  size_t mask = s.capacity - 1;
  for (size_t i = Mix(key) & mask;; i = (i + 1) & mask) {
    if (s.slots[i].key == key) return &s.slots[i];
    if (s.slots[i].key == 0) return nullptr;
  }
}

// Linear probing's deletion without tombstones: later entries of the run
// move back into the hole when their home slot allows.
void EraseLocked(Shard& s, Slot* slot) {
  size_t mask = s.capacity - 1;
  size_t hole = size_t(slot - s.slots);
  for (size_t i = (hole + 1) & mask; s.slots[i].key != 0; i = (i + 1) & mask) {
    size_t home = Mix(s.slots[i].key) & mask;
    // Movable when home is not cyclically within (hole, i].
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      s.slots[hole] = s.slots[i];
      hole = i;
    }
  }
  s.slots[hole].key = 0;
  --s.count;
}

bool Take(uintptr_t key, Slot* out) {
  Shard& s = ShardOf(Mix(key));
  InternalGuard g(s.lock);
  Slot* slot = FindLocked(s, key);
  if (!slot) return false;
  if (out) *out = *slot;
  EraseLocked(s, slot);
  return true;
}

inline uintptr_t PageKey(uintptr_t page) { return (page << 1) | 1; }

// Pages whose first byte lies inside [start, start+size).
template <typename F>
void ForEachInnerPage(uintptr_t start, size_t size, F f) {
  uintptr_t first = (start + (uintptr_t{1} << kPageShift) - 1) >> kPageShift;
  uintptr_t last = (start + size - 1) >> kPageShift;
  for (uintptr_t p = first; p <= last; ++p) f(p);
}

// Looks up the block starting exactly at `start` that contains `addr`.
bool MarkIfContains(uintptr_t start, uintptr_t addr, Block* out) {
  Shard& s = ShardOf(Mix(start));
  InternalGuard g(s.lock);
  Slot* slot = FindLocked(s, start);
  if (!slot) return false;
  size_t size = slot->value & ~kHasLocks;
  if (addr >= start + size) return false;
  slot->value |= kHasLocks;
  *out = Block{start, size, slot->site, true};
  return true;
}

}  // namespace

void AddBlock(uintptr_t start, size_t size, uintptr_t site) {
  if (size == 0) size = 1;
  Put(Slot{start, size, site});
  if (size > (size_t{1} << kPageShift)) {
    ForEachInnerPage(start, size, [&](uintptr_t p) { Put(Slot{PageKey(p), start, 0}); });
  }
}

bool RemoveBlock(uintptr_t start, Block* out) {
  Slot e;
  if (!Take(start, &e)) return false;
  size_t size = e.value & ~kHasLocks;
  if (size > (size_t{1} << kPageShift)) {
    ForEachInnerPage(start, size, [&](uintptr_t p) { Take(PageKey(p), nullptr); });
  }
  *out = Block{start, size, e.site, (e.value & kHasLocks) != 0};
  return true;
}

bool FindBlockAndMarkLocks(uintptr_t addr, Block* out) {
  // A big block first: one lookup of the page's index entry.
  uintptr_t page_key = PageKey(addr >> kPageShift);
  uintptr_t start = 0;
  {
    Shard& s = ShardOf(Mix(page_key));
    InternalGuard g(s.lock);
    if (Slot* slot = FindLocked(s, page_key)) start = slot->value;
  }
  if (start && MarkIfContains(start, addr, out)) return true;
  // Small blocks, and the first page of big ones: the start is at most a
  // page below (malloc aligns starts to 16 bytes).
  uintptr_t lowest = addr > (uintptr_t{1} << kPageShift) ? addr - (uintptr_t{1} << kPageShift) : 16;
  for (uintptr_t s = addr & ~uintptr_t{15}; s >= lowest && s != 0; s -= 16) {
    if (MarkIfContains(s, addr, out)) return true;
  }
  return false;
}

void LockAllBlockShards() {
  for (Shard& s : g_shards) s.lock.lock();
}

void UnlockAllBlockShards() {
  for (size_t i = kShards; i-- > 0;) g_shards[i].lock.unlock();
}

}  // namespace lockdep::preload
