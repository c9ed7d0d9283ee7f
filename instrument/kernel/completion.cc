#include "instrument/kernel/completion.h"

#include <ctime>
#include <optional>

#include "instrument/futex.h"
#include "runtime/lockdep.h"
#include "runtime/wait_event.h"

namespace {

using lockdep::internal::FutexWait;
using lockdep::internal::FutexWake;
using lockdep::internal::FutexWakeAll;

[[maybe_unused]] constinit DECLARE_COMPLETION(constant_init_check);

constexpr uint32_t kDoneAll = UINT32_MAX;
constexpr uint64_t kNanosPerJiffy = 1000 * 1000;  // a jiffy is a millisecond

uint64_t NowNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

// Consumes one complete() (none after complete_all()) if there is one.
bool TryConsume(struct completion* x) {
  uint32_t d = x->done.load(std::memory_order_acquire);
  while (d != 0) {
    if (d == kDoneAll) return true;
    if (x->done.compare_exchange_weak(d, d - 1, std::memory_order_acquire,
                                      std::memory_order_acquire)) {
      return true;
    }
  }
  return false;
}

// Waits until let through (true) or until CLOCK_MONOTONIC passes `deadline`
// (false); no deadline waits for ever.
bool Wait(struct completion* x, std::optional<uint64_t> deadline) {
  for (;;) {
    if (TryConsume(x)) return true;
    timespec relative;
    const timespec* timeout = nullptr;
    if (deadline) {
      const uint64_t now = NowNanos();
      if (now >= *deadline) return false;
      const uint64_t left = *deadline - now;
      relative.tv_sec = static_cast<time_t>(left / 1000000000u);
      relative.tv_nsec = static_cast<long>(left % 1000000000u);
      timeout = &relative;
    }
    // Announce the sleep, then re-check: complete() bumps `done` before it
    // reads `sleepers` (both seq_cst), so either we see its wake-up token or
    // it sees us and wakes us. FutexWait returns at once if `done` moved.
    x->sleepers.fetch_add(1, std::memory_order_seq_cst);
    if (x->done.load(std::memory_order_seq_cst) == 0) {
      FutexWait(&x->done, 0, timeout);
    }
    x->sleepers.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace

void lockdep_init_completion(struct completion* x, const char* name,
                             lock_class_key* key) {
  x->done.store(0, std::memory_order_relaxed);
  x->sleepers.store(0, std::memory_order_relaxed);
  lockdep_event_init(&x->dep_map, name, key, kLockdepEventCompletion);
}

void reinit_completion(struct completion* x) {
  x->done.store(0, std::memory_order_relaxed);
  lockdep_event_rearm(&x->dep_map);
}

__attribute__((noinline)) void complete(struct completion* x) {
  lockdep_event_signal(&x->dep_map, LOCKDEP_RET_IP);
  uint32_t d = x->done.load(std::memory_order_relaxed);
  // After complete_all() the completion stays done for everyone; the count
  // saturates one below kDoneAll rather than turning into it.
  while (d < kDoneAll - 1 &&
         !x->done.compare_exchange_weak(d, d + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
  }
  if (x->sleepers.load(std::memory_order_seq_cst) != 0) {
    FutexWake(&x->done, 1);
  }
}

__attribute__((noinline)) void complete_all(struct completion* x) {
  lockdep_event_signal(&x->dep_map, LOCKDEP_RET_IP);
  x->done.store(kDoneAll, std::memory_order_seq_cst);
  if (x->sleepers.load(std::memory_order_seq_cst) != 0) {
    FutexWakeAll(&x->done);
  }
}

__attribute__((noinline)) void wait_for_completion(struct completion* x) {
  lockdep_might_sleep(__FILE__, __LINE__, LOCKDEP_RET_IP);
  lockdep_event_wait(&x->dep_map, /*timed=*/0, LOCKDEP_RET_IP);
  Wait(x, std::nullopt);
}

__attribute__((noinline)) unsigned long wait_for_completion_timeout(
    struct completion* x, unsigned long timeout) {
  lockdep_might_sleep(__FILE__, __LINE__, LOCKDEP_RET_IP);
  // A zero timeout only polls; a finite one is handled by the caller.
  if (timeout == 0) return TryConsume(x) ? 1 : 0;
  lockdep_event_wait(
      &x->dep_map,
      timeout < static_cast<unsigned long>(MAX_SCHEDULE_TIMEOUT) ? 1 : 0,
      LOCKDEP_RET_IP);
  uint64_t span;
  uint64_t deadline;
  const bool forever =
      timeout >= static_cast<unsigned long>(MAX_SCHEDULE_TIMEOUT) ||
      __builtin_mul_overflow(static_cast<uint64_t>(timeout), kNanosPerJiffy,
                             &span) ||
      __builtin_add_overflow(NowNanos(), span, &deadline);
  if (forever) {
    Wait(x, std::nullopt);
    return timeout;  // as Linux: an endless wait has all its time left
  }
  if (!Wait(x, deadline)) return 0;
  const uint64_t now = NowNanos();
  const uint64_t left_ns = now < deadline ? deadline - now : 0;
  const uint64_t left = (left_ns + kNanosPerJiffy - 1) / kNanosPerJiffy;
  if (left == 0) return 1;
  return left < timeout ? static_cast<unsigned long>(left) : timeout;
}
