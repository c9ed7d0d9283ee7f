// The sleeping and spinning primitives under the real locks: Linux futexes on
// a 32-bit atomic word, and a CPU pause for spin loops. Internal to the
// lockdep::Mutex family; used only on contended (slow) paths.
#ifndef LOCKDEP_INSTRUMENT_CXX_FUTEX_H_
#define LOCKDEP_INSTRUMENT_CXX_FUTEX_H_

#include <atomic>
#include <cstdint>

namespace lockdep::internal {

// The futex syscall reads the word as a plain int: the atomic must be exactly
// that word, with no lock or padding around it.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
static_assert(std::atomic<uint32_t>::is_always_lock_free);

// Sleeps while `*word == expected`; returns on a wake-up, a signal, a spurious
// wake-up, or at once when the word already differs. Callers re-check their
// condition in a loop. Process-private futex: locks must not be shared between
// processes. Preserves errno, so locking never clobbers the caller's errno.
void FutexWait(const std::atomic<uint32_t>* word, uint32_t expected);

// Wakes up to `count` threads sleeping on `word`; returns how many it woke.
// Preserves errno.
int FutexWake(const std::atomic<uint32_t>* word, int count);

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

#endif  // LOCKDEP_INSTRUMENT_CXX_FUTEX_H_
