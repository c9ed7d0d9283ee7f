#include "runtime/chain_cache.h"

namespace lockdep {

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
  for (auto& s : slots_) s.store(0, std::memory_order_relaxed);
  size_ = 0;
}

}  // namespace lockdep
