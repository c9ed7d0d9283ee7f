#include "runtime/chain_cache.h"

#include "runtime/zeroed_pages.h"

namespace lockdep {

ChainCache::ChainCache() : slots_(ZeroedArray<std::atomic<uint64_t>>(kSlots)) {}

bool ChainCache::Insert(uint64_t key) {
  if (size_ >= kMaxChains) return false;
  for (size_t i = key & kMask;; i = (i + 1) & kMask) {
    uint64_t k = slots_[i].load(std::memory_order_relaxed);
    if (k == key) return true;
    if (k == 0) {
      slots_[i].store(key, std::memory_order_release);
      ++size_;
      return true;
    }
  }
}

void ChainCache::Clear() {
  for (size_t i = 0; i < kSlots; ++i) slots_[i].store(0, std::memory_order_relaxed);
  size_ = 0;
}

}  // namespace lockdep
