// RawSpinLock: the real lock under lockdep::SpinLock, without any lockdep
// hook, kept separate so benchmarks can measure what the hooks add. Not for
// direct use: it is invisible to lockdep.
#ifndef LOCKDEP_INSTRUMENT_CXX_RAW_SPIN_LOCK_H_
#define LOCKDEP_INSTRUMENT_CXX_RAW_SPIN_LOCK_H_

#include <atomic>
#include <cstdint>

namespace lockdep::internal {

// Test-and-test-and-set spinlock: waiters spin on a plain load (no cache-line
// ping-pong) and only try the exchange when the lock looks free. Never sleeps
// in the kernel, but yields the CPU after a long spin so that an
// oversubscribed machine (CI, sanitizers) still makes progress.
//
// Cost: uncontended lock is one exchange, unlock one store, both inline.
class RawSpinLock {
 public:
  constexpr RawSpinLock() = default;
  RawSpinLock(const RawSpinLock&) = delete;
  RawSpinLock& operator=(const RawSpinLock&) = delete;

  void lock() {
    if (locked_.exchange(1, std::memory_order_acquire) != 0) LockSlow();
  }

  bool try_lock() {
    // The load keeps a failing try_lock from writing the contended line.
    return locked_.load(std::memory_order_relaxed) == 0 &&
           locked_.exchange(1, std::memory_order_acquire) == 0;
  }

  // Unlocking an unlocked spinlock stores what is already there: harmless.
  void unlock() { locked_.store(0, std::memory_order_release); }

  // A snapshot, for destructors and diagnostics only.
  bool is_locked() const {
    return locked_.load(std::memory_order_relaxed) != 0;
  }

 private:
  void LockSlow();

  std::atomic<uint32_t> locked_{0};
};

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_CXX_RAW_SPIN_LOCK_H_
