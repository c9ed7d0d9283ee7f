// The few kernel types and helpers the example subsystem is written with
// (<linux/types.h>, <linux/kernel.h>): fixed-width integers, ktime_t and
// container_of().
#ifndef LOCKDEP_CORE_TYPES_H_
#define LOCKDEP_CORE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
// Nanoseconds of CLOCK_MONOTONIC, as the kernel's ktime_get().
typedef s64 ktime_t;

ktime_t ktime_get();

// The struct of type `type` whose member `member` is at `ptr`.
#define container_of(ptr, type, member)                   \
  (reinterpret_cast<type*>(reinterpret_cast<char*>(ptr) - \
                           offsetof(type, member)))

#endif  // LOCKDEP_CORE_TYPES_H_
