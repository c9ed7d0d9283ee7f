// Lock classes: (key address + subclass) -> class id, and per-class data.
//
// Lookups are lock-free (open addressing over atomics) so that a new lock
// instance of a known class never takes the graph lock. Registration, removal
// and every write of a class's graph fields are serialised by the graph lock.
// Limits: kMaxClasses classes; ids are reused after a key is unregistered, so
// holders of a cached id re-check the class's key before trusting it.
#ifndef LOCKDEP_RUNTIME_CLASS_REGISTRY_H_
#define LOCKDEP_RUNTIME_CLASS_REGISTRY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/base/limits.h"

namespace lockdep {

// What a class is known by: the key's address plus the subclass. Keys are 8
// bytes (one per subclass), so two keys never share a value.
using ClassKey = uintptr_t;

// Aligned to a cache line, with everything the cached-chain fast path reads
// (key, generation, usage) in the first 16 bytes: one line per acquire.
struct alignas(64) LockClass {
  // Identity; 0 while the slot is free. Published last (release) so a reader
  // that sees it also sees the name.
  std::atomic<ClassKey> key{0};
  // Bumped whenever the id is freed, and part of every chain key through the
  // class: chains cached through a removed class can never match its
  // successor, so removing a class needs no chain-cache flush.
  std::atomic<uint32_t> generation{0};
  // Usage bits (usage.h): the contexts this class was used in. Read lock-free
  // on the fast path; set under the graph lock.
  std::atomic<uint16_t> usage{0};
  uint8_t subclass = 0;
  // The union of the usage bits of every class that can reach this one in
  // the dependency graph (DependencyGraph keeps it): a new dependency out of
  // a class none of whose ancestors was used in an irq needs no backward
  // search for an irq-safe lock. Only ever grows (a removed ancestor's bits
  // stay), so it may claim too much, never too little. Graph lock.
  uint16_t ancestor_usage = 0;
  // Heads of the dependency lists in DependencyGraph (edge index + 1).
  uint32_t first_after = 0;   // edges this -> other
  uint32_t first_before = 0;  // edges other -> this
  // Stack trace (TraceStore id) of the first use of each usage bit.
  uint32_t usage_trace[16] = {};
  // Copied from the first map that used the class (maps may be freed).
  char name[96] = {};
};
static_assert(sizeof(LockClass) == 192, "three cache lines per class");

class ClassRegistry {
 public:
  // Maps the tables (zeroed_pages.h): no page is touched until used.
  ClassRegistry();
  ClassRegistry(const ClassRegistry&) = delete;
  ClassRegistry& operator=(const ClassRegistry&) = delete;

  // The class for `key`, or kNoClass. Lock-free; without the graph lock it
  // may miss a class during a concurrent Remove() (the caller then takes the
  // slow path), never return a wrong one. Cost: a hash and a probe.
  ClassId Find(ClassKey key) const;
  // Registers a class (caller holds the graph lock and checked Find() first).
  // Returns kNoClass when kMaxClasses classes exist.
  ClassId Add(ClassKey key, uint8_t subclass, const char* name);
  // Frees a class id (caller holds the graph lock and removed its edges).
  void Remove(ClassId id);
  // Frees every class (caller holds the graph lock; no concurrent users).
  void Clear();
  // Classes freed since start-up (their generations moved on).
  uint64_t removed_count() const { return removed_count_; }

  LockClass& at(ClassId id) { return classes_[id]; }
  const LockClass& at(ClassId id) const { return classes_[id]; }
  // True when `id` currently names the class of `key` (a cached id may be
  // stale after Remove/Clear). Lock-free.
  bool Matches(ClassId id, ClassKey key) const {
    return id != kNoClass && id <= kMaxClasses &&
           classes_[id].key.load(std::memory_order_acquire) == key;
  }
  size_t size() const { return size_; }
  // Highest id ever handed out since Clear(), for iteration.
  ClassId high_water() const { return high_water_; }

  // For tests: checks every structural invariant (each live class found at
  // exactly one slot under its key, free ids free and distinct, counts
  // agreeing, no free class findable) and returns "" or the first one
  // broken. Expensive: scans every slot. Caller holds the graph lock.
  std::string CheckInvariants() const;

 private:
  static constexpr size_t kSlots = kMaxClasses * 2;
  static constexpr size_t kMask = kSlots - 1;
  static constexpr ClassKey kTombstone = 1;
  static size_t Hash(ClassKey key) {
    uint64_t x = key * 0x9e3779b97f4a7c15ULL;
    return (x ^ (x >> 31)) & kMask;
  }

  // All-zero bytes are each table's empty state.
  LockClass* const classes_;                // kMaxClasses + 1; [0] is kNoClass
  std::atomic<ClassKey>* const slot_key_;   // kSlots
  std::atomic<ClassId>* const slot_class_;  // kSlots
  ClassId* const free_list_;                // kMaxClasses
  size_t free_count_ = 0;
  ClassId high_water_ = 0;
  size_t size_ = 0;
  size_t tombstones_ = 0;
  uint64_t removed_count_ = 0;
  // Re-inserts the live classes into an empty slot table when tombstones
  // have taken a quarter of it, so lookups of missing keys stay short.
  void Rehash();
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_CLASS_REGISTRY_H_
