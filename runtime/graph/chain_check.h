// The chain-cache self-check (LOCKDEP_OPTIONS=check_chains=1), as Linux's
// CONFIG_DEBUG_LOCKDEP keeps chain_hlocks: every chain inserted into the cache
// also stores the held classes it stands for, and every cache hit compares
// them with what the thread holds now. A hash collision or a wrong key then
// fails loudly (a "BUG: lockdep chain key collision" report, and the chain is
// validated after all) instead of silently hiding a deadlock.
//
// Off by default; then it costs the fast path one relaxed load of a flag. On,
// every cache hit takes this file's lock and compares up to 48 entries: a
// debug mode for this project's own tests and for suspicious users.
#ifndef LOCKDEP_RUNTIME_CHAIN_CHECK_H_
#define LOCKDEP_RUNTIME_CHAIN_CHECK_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "runtime/base/internal_mutex.h"
#include "runtime/base/options.h"
#include "runtime/graph/thread_state.h"

namespace lockdep {

inline bool ChainCheckEnabled() {
  return g_check_chains.load(std::memory_order_relaxed);
}

// One held lock as a chain entry: what the chain key hashes.
inline uint32_t ChainEntry(const HeldLock& h) {
  return uint32_t{h.class_id} | uint32_t{h.read} << 16 |
         uint32_t{h.irq_context} << 18;
}

// The entries of the chain `next` would complete: the held locks of next's
// irq context at the top of ts's stack (the part its key covers), then next.
std::vector<uint32_t> ChainEntries(const ThreadState& ts, const HeldLock& next);

class ChainCheck {
 public:
  // Remembers the entries of a chain just inserted into the cache.
  void Record(uint64_t key, std::vector<uint32_t> entries);
  // False when `key` was recorded with other entries (a collision). A key
  // never recorded (inserted while the check was off) passes.
  bool Verify(uint64_t key, absl::Span<const uint32_t> entries) const;
  void Clear();
  // Held across fork() by fork_safety.cc.
  InternalMutex& mutex() ABSL_LOCK_RETURNED(mu_) { return mu_; }

 private:
  mutable InternalMutex mu_;
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> chains_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_CHAIN_CHECK_H_
