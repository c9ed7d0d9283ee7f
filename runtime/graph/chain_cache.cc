#include "runtime/graph/chain_cache.h"

#include <unordered_set>

#include "absl/strings/str_format.h"
#include "runtime/base/zeroed_pages.h"

namespace lockdep {

ChainCache::ChainCache() {
  levels_[0] = {ZeroedArray<std::atomic<uint64_t>>(kFirstSlots), kFirstSlots - 1};
  table_.store(&levels_[0], std::memory_order_release);
}

// Copies every key into the next level's table, then publishes it. Readers
// still on the old table see every key inserted before the growth.
void ChainCache::Grow() {
  const Table& old = levels_[level_];
  const size_t slots = (old.mask + 1) * 2;
  Table& next = levels_[level_ + 1];
  if (next.slots == nullptr) {
    next = {ZeroedArray<std::atomic<uint64_t>>(slots), slots - 1};
  }
  for (size_t j = 0; j <= old.mask; ++j) {
    const uint64_t key = old.slots[j].load(std::memory_order_relaxed);
    if (key == 0) continue;
    for (size_t i = key & next.mask;; i = (i + 1) & next.mask) {
      if (next.slots[i].load(std::memory_order_relaxed) == 0) {
        next.slots[i].store(key, std::memory_order_relaxed);
        break;
      }
    }
  }
  ++level_;
  table_.store(&next, std::memory_order_release);
}

bool ChainCache::Insert(uint64_t key) {
  if (size_ >= kMaxChains) return false;
  if ((size_ + 1) * 2 > levels_[level_].mask + 1 && level_ + 1 < kLevels) Grow();
  const Table& t = levels_[level_];
  for (size_t i = key & t.mask;; i = (i + 1) & t.mask) {
    uint64_t k = t.slots[i].load(std::memory_order_relaxed);
    if (k == key) return true;
    if (k == 0) {
      t.slots[i].store(key, std::memory_order_release);
      ++size_;
      return true;
    }
  }
}

// Empties every level (a later growth reuses the tables mapped already) and
// goes back to the first.
void ChainCache::Clear() {
  for (int l = 0; l < kLevels && levels_[l].slots != nullptr; ++l) {
    for (size_t i = 0; i <= levels_[l].mask; ++i) {
      levels_[l].slots[i].store(0, std::memory_order_relaxed);
    }
  }
  level_ = 0;
  table_.store(&levels_[0], std::memory_order_release);
  clears_.fetch_add(1, std::memory_order_relaxed);
  size_ = 0;
}

std::string ChainCache::CheckInvariants() const {
  const Table* t = table_.load(std::memory_order_acquire);
  if (t != &levels_[level_]) return "the published table is not the current level";
  std::unordered_set<uint64_t> keys;
  for (size_t i = 0; i <= t->mask; ++i) {
    const uint64_t key = t->slots[i].load(std::memory_order_relaxed);
    if (key == 0) continue;
    if (!keys.insert(key).second) return absl::StrFormat("key %x stored twice", key);
    if (!Contains(key)) return absl::StrFormat("key %x at slot %d is not found", key, i);
  }
  if (keys.size() != size_) {
    return absl::StrFormat("%d keys stored, size() says %d", keys.size(), size_);
  }
  if (size_ * 2 > t->mask + 1 && level_ + 1 < kLevels) return "more than half full";
  return "";
}

}  // namespace lockdep
