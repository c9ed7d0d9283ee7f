// RawMutex: the real lock under lockdep::Mutex, without any lockdep hook. It
// exists on its own so that benchmarks can measure exactly what the hooks add
// (benchmarks/lock_bench.cc). Not for direct use: it is invisible to lockdep.
#ifndef LOCKDEP_INSTRUMENT_CXX_RAW_MUTEX_H_
#define LOCKDEP_INSTRUMENT_CXX_RAW_MUTEX_H_

#include <atomic>
#include <cstdint>

namespace lockdep::internal {

// A futex mutex (Drepper, "Futexes Are Tricky", mutex #3) with a short spin
// before sleeping. One 32-bit word: 0 unlocked, 1 locked, 2 locked and
// somebody may sleep on it. Not recursive, not fair.
//
// Cost: uncontended lock is one compare-and-swap, unlock one exchange, both
// inline; the futex syscalls happen only under contention. Acquire/release
// ordering on the word gives the usual happens-before (ThreadSanitizer sees
// it).
class RawMutex {
 public:
  constexpr RawMutex() = default;
  RawMutex(const RawMutex&) = delete;
  RawMutex& operator=(const RawMutex&) = delete;

  void lock() {
    uint32_t expected = kUnlocked;
    if (!state_.compare_exchange_weak(expected, kLocked,
                                      std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      LockSlow();
    }
  }

  bool try_lock() {
    uint32_t expected = kUnlocked;
    return state_.compare_exchange_strong(expected, kLocked,
                                          std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  // Unlocking an unlocked RawMutex does nothing (the exchange reads 0), so a
  // bad unlock that lockdep reports does not also corrupt the lock.
  void unlock() {
    if (state_.exchange(kUnlocked, std::memory_order_release) == kContended) {
      UnlockSlow();
    }
  }

  // A snapshot, for destructors and diagnostics only.
  bool is_locked() const {
    return state_.load(std::memory_order_relaxed) != kUnlocked;
  }

 private:
  static constexpr uint32_t kUnlocked = 0;
  static constexpr uint32_t kLocked = 1;
  static constexpr uint32_t kContended = 2;

  void LockSlow();
  void UnlockSlow();

  std::atomic<uint32_t> state_{kUnlocked};
};

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_CXX_RAW_MUTEX_H_
