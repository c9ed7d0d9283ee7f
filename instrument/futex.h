// The futex calls every sleeping lock here parks and wakes threads with
// (kernel-style and C++ primitives alike), and the CPU hint for spin loops.
// Internal to instrument/: include it from .cc files only.
//
// A futex word is a std::atomic<uint32_t>: the atomic carries the lock state and
// the happens-before (which is what ThreadSanitizer sees); the futex only parks
// and unparks threads. Every caller re-checks its condition in a loop, so
// spurious wake-ups, EINTR and EAGAIN are all harmless. The locks are never
// shared between processes, so the cheaper private futex is used. Every call
// preserves errno: a lock call must not change the caller's.
#ifndef LOCKDEP_INSTRUMENT_FUTEX_H_
#define LOCKDEP_INSTRUMENT_FUTEX_H_

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>

namespace lockdep::internal {

// The syscall reads the word through a plain pointer: the atomic must be
// exactly that word, with no lock or padding around it.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "the futex syscall needs a plain 32-bit word");

inline uint32_t* FutexWord(const std::atomic<uint32_t>* word) {
  return reinterpret_cast<uint32_t*>(const_cast<std::atomic<uint32_t>*>(word));
}

// Sleeps while *word == expected, until a FutexWake, a signal, a spurious
// wake-up or, when `timeout` (relative, CLOCK_MONOTONIC) is given, until it
// passes. Returns 0 or the errno (EAGAIN, EINTR, ETIMEDOUT). Cost: a syscall.
inline int FutexWait(const std::atomic<uint32_t>* word, uint32_t expected,
                     const timespec* timeout = nullptr) {
  const int saved_errno = errno;
  const long rc = syscall(SYS_futex, FutexWord(word), FUTEX_WAIT_PRIVATE,
                          expected, timeout, nullptr, 0);
  const int result = rc == 0 ? 0 : errno;
  errno = saved_errno;
  return result;
}

// Wakes up to `count` threads sleeping in FutexWait on `word`; returns how
// many it woke. Cost: a syscall.
inline int FutexWake(const std::atomic<uint32_t>* word, int count) {
  const int saved_errno = errno;
  const long woken = syscall(SYS_futex, FutexWord(word), FUTEX_WAKE_PRIVATE,
                             count, nullptr, nullptr, 0);
  errno = saved_errno;
  return woken > 0 ? static_cast<int>(woken) : 0;
}

inline void FutexWakeAll(const std::atomic<uint32_t>* word) {
  FutexWake(word, INT_MAX);
}

// Tells the CPU this is a spin-wait loop (x86 `pause`, Arm `yield`): saves
// power and lets a sibling hyper-thread run.
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_FUTEX_H_
