// The set of lock chains already validated. A chain is the sequence of classes
// (and read kinds) a thread holds, hashed into a 64-bit key as locks are pushed.
// If a chain was seen before, every check it implies was already made, so the
// acquire returns after one lookup here: this is where the speed comes from.
//
// Readers are lock-free and write nothing; inserts are serialised by the graph
// lock. Capacity: kMaxChains keys in a table twice that size at most (linear
// probing), grown from a small one as chains are learnt.
// A 64-bit hash collision would skip one validation; with a good mix over at
// most 65536 chains its probability is about 1e-10, and Linux's own
// non-debug build accepts the same trade. LOCKDEP_OPTIONS=check_chains=1
// (chain_check.h) stores each chain's held classes and verifies them on every
// hit, as Linux's CONFIG_DEBUG_LOCKDEP does, so a collision fails loudly.
#ifndef LOCKDEP_RUNTIME_CHAIN_CACHE_H_
#define LOCKDEP_RUNTIME_CHAIN_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/base/limits.h"

namespace lockdep {

// One held lock as a step of a chain key: its class id, the class's generation
// (class_registry.h: a chain through a class that was removed and whose id
// was reused never matches the new one) and its read kind, each in bits of
// its own.
inline uint64_t ChainStep(ClassId id, uint32_t generation, int read) {
  return uint64_t{generation} << 32 | uint64_t{id} << 2 | uint64_t(read);
}

// Extends `chain_key` by one held lock (ChainStep). Never returns 0, which
// marks empty slots. The link is spread over all 64 bits before it meets the
// key, so two (key, lock) pairs collide only by chance, never because their
// small numbers differ in the same bits.
inline uint64_t ExtendChainKey(uint64_t chain_key, uint64_t link) {
  uint64_t x = chain_key ^ (link * 0x9e3779b97f4a7c15ULL);
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x ? x : 1;
}
inline uint64_t ExtendChainKey(uint64_t chain_key, ClassId id, uint32_t generation,
                               int read) {
  return ExtendChainKey(chain_key, ChainStep(id, generation, read));
}

// The key of an empty chain (a thread holding nothing); zero-initialised
// thread state starts there.
inline constexpr uint64_t kEmptyChainKey = 0;

// Where a chain starts in each irq context (0 process, 1 softirq, 2 hardirq):
// distinct, well-mixed seeds, so the first lock of one context never hashes
// like another lock first in a different context.
inline uint64_t ContextChainSeed(uint8_t irq_context) {
  static constexpr uint64_t kSeeds[3] = {0x243f6a8885a308d3ULL,
                                         0x13198a2e03707344ULL,
                                         0xa4093822299f31d0ULL};
  return kSeeds[irq_context];
}

class ChainCache {
 public:
  ChainCache();
  ChainCache(const ChainCache&) = delete;
  ChainCache& operator=(const ChainCache&) = delete;
  // True when `key` was inserted. Lock-free, read-only. Cost: usually one
  // cache-line load. A reader racing with a growth of the table may miss a
  // key inserted just then; it then takes the slow path, which finds it.
  bool Contains(uint64_t key) const {
    const Table* t = table_.load(std::memory_order_acquire);
    for (size_t i = key & t->mask;; i = (i + 1) & t->mask) {
      uint64_t k = t->slots[i].load(std::memory_order_acquire);
      if (k == key) return true;
      if (k == 0) return false;
    }
  }
  // Adds `key`; false when the table is full (kMaxChains). Callers serialise.
  bool Insert(uint64_t key);
  bool full() const { return size_ >= kMaxChains; }
  size_t size() const { return size_; }
  // For tests: checks that every key is found by Contains(), that no key is
  // stored twice, that the count agrees and the table is at most half full;
  // returns "" or the first one broken. Expensive: scans the table. Caller
  // serialises with inserts.
  std::string CheckInvariants() const;
  // Forgets every chain. Concurrent readers may still see old keys for a
  // moment, which only skips a re-validation of a chain that was valid.
  void Clear();
  // How many times Clear() ran: a key remembered as contained (a thread's
  // ChainMemo) holds only while this is unchanged. One relaxed load.
  uint32_t clears() const { return clears_.load(std::memory_order_relaxed); }

 private:
  // The table starts small and doubles at half full, so a program with few
  // chains touches a few pages: chain keys are spread evenly over the table,
  // and in one table of the final size (4 MiB) each of the first thousand new
  // chains cost a page fault of its own. Tables outgrown are never unmapped
  // (a lock-free reader may still be probing one); together they are smaller
  // than the last.
  struct Table {
    std::atomic<uint64_t>* slots;
    size_t mask;  // slots - 1
  };
  static constexpr size_t kFirstSlots = 4096;
  static constexpr size_t kMaxSlots = kMaxChains * 2;
  static constexpr int kLevels = 8;  // kFirstSlots << (kLevels - 1) == kMaxSlots
  static_assert((kFirstSlots << (kLevels - 1)) == kMaxSlots, "levels reach the limit");
  static_assert((kMaxSlots & (kMaxSlots - 1)) == 0, "power of two");
  void Grow();
  Table levels_[kLevels] = {};
  int level_ = 0;
  std::atomic<const Table*> table_{nullptr};
  std::atomic<uint32_t> clears_{0};
  size_t size_ = 0;
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_CHAIN_CACHE_H_
