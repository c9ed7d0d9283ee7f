#include "instrument/cxx/raw_spin_lock.h"

#include <sched.h>

#include "instrument/futex.h"

namespace lockdep::internal {
namespace {

// After this many pauses (a few microseconds) the holder is probably not
// running; yielding lets it run when threads outnumber CPUs.
constexpr int kSpinsBeforeYield = 1000;

}  // namespace

void RawSpinLock::LockSlow() {
  int spins = 0;
  do {
    while (locked_.load(std::memory_order_relaxed) != 0) {
      if (++spins < kSpinsBeforeYield) {
        CpuRelax();
      } else {
        spins = 0;
        sched_yield();
      }
    }
  } while (locked_.exchange(1, std::memory_order_acquire) != 0);
}

}  // namespace lockdep::internal
