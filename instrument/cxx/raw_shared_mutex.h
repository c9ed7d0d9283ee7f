// RawSharedMutex: the real reader/writer lock under lockdep::SharedMutex,
// without any lockdep hook, kept separate so benchmarks can measure what the
// hooks add. Not for direct use: it is invisible to lockdep.
#ifndef LOCKDEP_INSTRUMENT_CXX_RAW_SHARED_MUTEX_H_
#define LOCKDEP_INSTRUMENT_CXX_RAW_SHARED_MUTEX_H_

#include <atomic>
#include <cstdint>

namespace lockdep::internal {

// A futex reader/writer lock (the design of Rust's std futex RwLock). Writers
// are preferred: once a writer waits, new readers wait too, so a stream of
// readers cannot starve writers. That is also why a reader re-taking a lock it
// holds can deadlock, and why lockdep treats these readers as non-recursive.
//
// State word: bits 0..29 the reader count, or all ones when write-locked;
// bit 30 readers are sleeping; bit 31 writers are sleeping. Writers sleep on a
// separate notification word so an unlock can wake exactly one writer.
//
// Cost: uncontended lock, unlock, lock_shared and unlock_shared are one
// compare-and-swap each, inline; syscalls happen only under contention.
class RawSharedMutex {
 public:
  constexpr RawSharedMutex() = default;
  RawSharedMutex(const RawSharedMutex&) = delete;
  RawSharedMutex& operator=(const RawSharedMutex&) = delete;

  void lock() {
    uint32_t expected = 0;
    if (!state_.compare_exchange_weak(expected, kWriteLocked,
                                      std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      LockContended();
    }
  }

  bool try_lock() {
    uint32_t state = state_.load(std::memory_order_relaxed);
    do {
      if (!IsUnlocked(state)) return false;
    } while (!state_.compare_exchange_weak(state, state | kWriteLocked,
                                           std::memory_order_acquire,
                                           std::memory_order_relaxed));
    return true;
  }

  // Does nothing unless write-locked, so a bad unlock that lockdep reports
  // does not also corrupt the lock.
  void unlock() {
    uint32_t state = state_.load(std::memory_order_relaxed);
    do {
      if (!IsWriteLocked(state)) return;
    } while (!state_.compare_exchange_weak(state, state - kWriteLocked,
                                           std::memory_order_release,
                                           std::memory_order_relaxed));
    state -= kWriteLocked;
    if (HasReadersWaiting(state) || HasWritersWaiting(state)) {
      WakeWriterOrReaders(state);
    }
  }

  void lock_shared() {
    uint32_t state = state_.load(std::memory_order_relaxed);
    if (!IsReadLockable(state) ||
        !state_.compare_exchange_weak(state, state + kReadLocked,
                                      std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      LockSharedContended();
    }
  }

  bool try_lock_shared() {
    uint32_t state = state_.load(std::memory_order_relaxed);
    do {
      if (!IsReadLockable(state)) return false;
    } while (!state_.compare_exchange_weak(state, state + kReadLocked,
                                           std::memory_order_acquire,
                                           std::memory_order_relaxed));
    return true;
  }

  // Does nothing unless read-locked (see unlock()).
  void unlock_shared() {
    uint32_t state = state_.load(std::memory_order_relaxed);
    do {
      if (IsUnlocked(state) || IsWriteLocked(state)) return;
    } while (!state_.compare_exchange_weak(state, state - kReadLocked,
                                           std::memory_order_release,
                                           std::memory_order_relaxed));
    state -= kReadLocked;
    // Readers only wait behind a writer, so the last reader out hands over to
    // a waiting writer.
    if (IsUnlocked(state) && HasWritersWaiting(state)) {
      WakeWriterOrReaders(state);
    }
  }

  // A snapshot (held in either mode), for destructors and diagnostics only.
  bool is_locked() const {
    return !IsUnlocked(state_.load(std::memory_order_relaxed));
  }

 private:
  static constexpr uint32_t kReadLocked = 1;
  static constexpr uint32_t kMask = (1u << 30) - 1;
  static constexpr uint32_t kWriteLocked = kMask;
  static constexpr uint32_t kMaxReaders = kMask - 1;
  static constexpr uint32_t kReadersWaiting = 1u << 30;
  static constexpr uint32_t kWritersWaiting = 1u << 31;

  static constexpr bool IsUnlocked(uint32_t s) { return (s & kMask) == 0; }
  static constexpr bool IsWriteLocked(uint32_t s) {
    return (s & kMask) == kWriteLocked;
  }
  static constexpr bool HasReadersWaiting(uint32_t s) {
    return (s & kReadersWaiting) != 0;
  }
  static constexpr bool HasWritersWaiting(uint32_t s) {
    return (s & kWritersWaiting) != 0;
  }
  // False also when anybody waits: readers never overtake a waiting writer,
  // and after an unlock the unlocking thread decides who runs next.
  static constexpr bool IsReadLockable(uint32_t s) {
    return (s & kMask) < kMaxReaders && !HasReadersWaiting(s) &&
           !HasWritersWaiting(s);
  }

  void LockContended();
  void LockSharedContended();
  void WakeWriterOrReaders(uint32_t state);
  bool WakeWriter();
  uint32_t SpinWrite() const;
  uint32_t SpinRead() const;

  std::atomic<uint32_t> state_{0};
  // Bumped before every writer wake-up; writers sleep on it.
  std::atomic<uint32_t> writer_notify_{0};
};

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_CXX_RAW_SHARED_MUTEX_H_
