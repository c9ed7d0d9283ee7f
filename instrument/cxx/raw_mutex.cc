#include "instrument/cxx/raw_mutex.h"

#include "instrument/futex.h"

namespace lockdep::internal {
namespace {

// Spinning first avoids two syscalls when the holder is about to unlock, the
// common case for the short critical sections of tests.
constexpr int kSpinIterations = 100;

}  // namespace

void RawMutex::LockSlow() {
  for (int i = 0; i < kSpinIterations; ++i) {
    uint32_t state = state_.load(std::memory_order_relaxed);
    if (state == kUnlocked &&
        state_.compare_exchange_weak(state, kLocked, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return;
    }
    if (state == kContended) break;  // others already sleep: queue up too
    CpuRelax();
  }
  // From here on the word says "contended", so whoever unlocks wakes someone.
  // A thread that takes the lock this way keeps it marked contended, which may
  // cost one spurious wake-up but never loses one.
  while (state_.exchange(kContended, std::memory_order_acquire) != kUnlocked) {
    FutexWait(&state_, kContended);
  }
}

void RawMutex::UnlockSlow() { FutexWake(&state_, 1); }

}  // namespace lockdep::internal
