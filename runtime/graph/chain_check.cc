#include "runtime/graph/chain_check.h"
#include "runtime/base/internal_mutex.h"

#include <algorithm>

namespace lockdep {

std::vector<uint32_t> ChainEntries(const ThreadState& ts, const HeldLock& next) {
  uint32_t from = ts.depth;
  while (from > 0 && ts.held[from - 1].irq_context == next.irq_context) --from;
  std::vector<uint32_t> entries;
  entries.reserve(ts.depth - from + 1);
  for (uint32_t i = from; i < ts.depth; ++i) entries.push_back(ChainEntry(ts.held[i]));
  entries.push_back(ChainEntry(next));
  return entries;
}

void ChainCheck::Record(uint64_t key, std::vector<uint32_t> entries) {
  InternalLock lock(mu_);
  chains_.try_emplace(key, std::move(entries));
}

bool ChainCheck::Verify(uint64_t key, absl::Span<const uint32_t> entries) const {
  InternalLock lock(mu_);
  auto it = chains_.find(key);
  return it == chains_.end() ||
         std::equal(it->second.begin(), it->second.end(), entries.begin(),
                    entries.end());
}

void ChainCheck::Clear() {
  InternalLock lock(mu_);
  chains_.clear();
}

}  // namespace lockdep
