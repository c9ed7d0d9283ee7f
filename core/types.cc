#include "core/types.h"

#include <ctime>

ktime_t ktime_get() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<ktime_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
