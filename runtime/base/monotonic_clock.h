// Nanoseconds of CLOCK_MONOTONIC, for the runtime's timings (lock_stat's
// waits and holds, the confirming scheduler's pauses and budget). Cost: one
// vDSO call, no system call.
#ifndef LOCKDEP_RUNTIME_MONOTONIC_CLOCK_H_
#define LOCKDEP_RUNTIME_MONOTONIC_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace lockdep {

inline uint64_t MonotonicNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
}

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_MONOTONIC_CLOCK_H_
