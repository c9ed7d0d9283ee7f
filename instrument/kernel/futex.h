// The raw futex calls the sleeping primitives (mutex, rw_semaphore, semaphore,
// completion) block and wake with. Internal to instrument/kernel: include it
// from .cc files only.
//
// A futex word is a std::atomic<uint32_t>: the atomic carries the lock state and
// the happens-before (which is what ThreadSanitizer sees); the futex only parks
// and unparks threads. Every caller re-checks its condition in a loop, so
// spurious wake-ups, EINTR and EAGAIN are all harmless.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_FUTEX_H_
#define LOCKDEP_INSTRUMENT_KERNEL_FUTEX_H_

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>

namespace lockdep::kernel_internal {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "the futex syscall needs a plain 32-bit word");

// Sleeps while *word == expected, until a FutexWake, a signal, a spurious
// wake-up or, when `timeout` (relative, CLOCK_MONOTONIC) is given, until it
// passes. Returns 0 or the errno (EAGAIN, EINTR, ETIMEDOUT). The caller's errno
// is preserved: a lock call must not change it. The locks are never shared
// between processes, so the cheaper private futex is used.
inline int FutexWait(std::atomic<uint32_t>* word, uint32_t expected,
                     const timespec* timeout = nullptr) {
  const int saved_errno = errno;
  const long rc = syscall(SYS_futex, reinterpret_cast<uint32_t*>(word),
                          FUTEX_WAIT_PRIVATE, expected, timeout, nullptr, 0);
  const int result = rc == 0 ? 0 : errno;
  errno = saved_errno;
  return result;
}

// Wakes up to `count` threads sleeping in FutexWait on `word`. Cost: a syscall.
inline void FutexWake(std::atomic<uint32_t>* word, int count) {
  const int saved_errno = errno;
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE,
          count, nullptr, nullptr, 0);
  errno = saved_errno;
}

inline void FutexWakeAll(std::atomic<uint32_t>* word) {
  FutexWake(word, INT_MAX);
}

}  // namespace lockdep::kernel_internal

#endif  // LOCKDEP_INSTRUMENT_KERNEL_FUTEX_H_
