// Boot-time annotations (lockdep.h, lockdep_register_priming): a fixed table
// of functions re-run after every ResetForTesting(), so a test's empty graph
// is the graph a freshly booted kernel has.
#include <atomic>

#include "runtime/lockdep.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

constexpr int kMaxPrimings = 8;
std::atomic<void (*)()> primings[kMaxPrimings];

}  // namespace

void RunRegisteredPrimings() {
  for (auto& slot : primings) {
    if (void (*prime)() = slot.load(std::memory_order_acquire)) prime();
  }
}

}  // namespace lockdep

void lockdep_register_priming(void (*prime)()) {
  using lockdep::primings;
  for (auto& slot : primings) {
    void (*expected)() = nullptr;
    if (slot.compare_exchange_strong(expected, prime,
                                     std::memory_order_acq_rel)) {
      prime();
      return;
    }
    if (expected == prime) return;
  }
}
