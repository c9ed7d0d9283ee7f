#include "instrument/kernel/delay.h"

#include <cerrno>
#include <cstdint>
#include <ctime>

#include "instrument/kernel/spin_backoff.h"
#include "runtime/lockdep.h"

namespace {

uint64_t NowNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

// Spins with SpinBackoff, so a long delay on a busy test machine yields
// rather than starving the thread it may be waiting for.
void BusyWaitNanos(uint64_t nanos) {
  const uint64_t deadline = NowNanos() + nanos;
  lockdep::kernel_internal::SpinBackoff backoff;
  while (NowNanos() < deadline) backoff.Pause();
}

}  // namespace

// Out of line and never inlined, so LOCKDEP_RET_IP is in the caller's code.
__attribute__((noinline)) void msleep(unsigned int msecs) {
  lockdep_might_sleep(__FILE__, __LINE__, LOCKDEP_RET_IP);
  timespec left;
  left.tv_sec = static_cast<time_t>(msecs / 1000);
  left.tv_nsec = static_cast<long>(msecs % 1000) * 1000000L;
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

void mdelay(unsigned long msecs) {
  BusyWaitNanos(static_cast<uint64_t>(msecs) * 1000000u);
}

void udelay(unsigned long usecs) {
  BusyWaitNanos(static_cast<uint64_t>(usecs) * 1000u);
}
