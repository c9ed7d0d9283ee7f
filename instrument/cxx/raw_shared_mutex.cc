#include "instrument/cxx/raw_shared_mutex.h"

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "instrument/futex.h"

namespace lockdep::internal {
namespace {

// Spin a little before sleeping: most critical sections are short.
constexpr int kSpinIterations = 100;

}  // namespace

uint32_t RawSharedMutex::SpinWrite() const {
  // Stop when it is free, or when other writers already sleep (spinning past
  // them would be unfair).
  for (int spin = kSpinIterations;; --spin) {
    const uint32_t state = state_.load(std::memory_order_relaxed);
    if (IsUnlocked(state) || HasWritersWaiting(state) || spin == 0) {
      return state;
    }
    CpuRelax();
  }
}

uint32_t RawSharedMutex::SpinRead() const {
  for (int spin = kSpinIterations;; --spin) {
    const uint32_t state = state_.load(std::memory_order_relaxed);
    if (!IsWriteLocked(state) || HasReadersWaiting(state) ||
        HasWritersWaiting(state) || spin == 0) {
      return state;
    }
    CpuRelax();
  }
}

void RawSharedMutex::LockSharedContended() {
  uint32_t state = SpinRead();
  for (;;) {
    if (IsReadLockable(state)) {
      if (state_.compare_exchange_weak(state, state + kReadLocked,
                                       std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    if ((state & kMask) == kMaxReaders) {
      std::fputs("lockdep::SharedMutex: too many readers\n", stderr);
      std::abort();
    }
    // Announce the sleeper before sleeping, so the unlock that frees the lock
    // sees the bit and wakes us.
    if (!HasReadersWaiting(state)) {
      if (!state_.compare_exchange_strong(state, state | kReadersWaiting,
                                          std::memory_order_relaxed,
                                          std::memory_order_relaxed)) {
        continue;
      }
    }
    FutexWait(&state_, state | kReadersWaiting);
    state = SpinRead();
  }
}

void RawSharedMutex::LockContended() {
  uint32_t state = SpinWrite();
  // Once this writer has slept, others may sleep too; it keeps the
  // writers-waiting bit when it takes the lock so its unlock wakes them.
  uint32_t other_writers_waiting = 0;
  for (;;) {
    if (IsUnlocked(state)) {
      if (state_.compare_exchange_weak(
              state, state | kWriteLocked | other_writers_waiting,
              std::memory_order_acquire, std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    if (!HasWritersWaiting(state)) {
      if (!state_.compare_exchange_strong(state, state | kWritersWaiting,
                                          std::memory_order_relaxed,
                                          std::memory_order_relaxed)) {
        continue;
      }
    }
    other_writers_waiting = kWritersWaiting;
    // Read the notification counter before re-checking the state, so a
    // wake-up between the check and the sleep is not lost.
    const uint32_t seq = writer_notify_.load(std::memory_order_acquire);
    state = state_.load(std::memory_order_relaxed);
    if (IsUnlocked(state) || !HasWritersWaiting(state)) continue;
    FutexWait(&writer_notify_, seq);
    state = SpinWrite();
  }
}

bool RawSharedMutex::WakeWriter() {
  writer_notify_.fetch_add(1, std::memory_order_release);
  return FutexWake(&writer_notify_, 1) > 0;
}

// Called with the lock just released (state unlocked). Wakes one writer when
// writers wait, else all readers. If somebody takes the lock meanwhile, that
// thread's unlock does the waking instead.
void RawSharedMutex::WakeWriterOrReaders(uint32_t state) {
  if (state == kWritersWaiting) {
    if (state_.compare_exchange_strong(state, 0, std::memory_order_relaxed,
                                       std::memory_order_relaxed)) {
      WakeWriter();
      return;
    }
  }
  if (state == (kReadersWaiting | kWritersWaiting)) {
    // Writers first; the readers stay marked as waiting.
    if (!state_.compare_exchange_strong(state, kReadersWaiting,
                                        std::memory_order_relaxed,
                                        std::memory_order_relaxed)) {
      return;
    }
    if (WakeWriter()) return;
    // No writer was asleep yet (it is about to sleep and will see the bumped
    // counter); the readers must not be left sleeping.
    state = kReadersWaiting;
  }
  if (state == kReadersWaiting) {
    if (state_.compare_exchange_strong(state, 0, std::memory_order_relaxed,
                                       std::memory_order_relaxed)) {
      FutexWake(&state_, INT_MAX);
    }
  }
}

}  // namespace lockdep::internal
