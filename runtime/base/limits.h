// Fixed table sizes. Hitting any of them prints one "BUG: ... too low" line,
// turns validation off, and the program goes on. Sized for big programs
// (10,000 classes, 100,000 dependencies); the tables are mapped from zero
// pages (zeroed_pages.h), so a small program pays only for what it touches.
#ifndef LOCKDEP_RUNTIME_LIMITS_H_
#define LOCKDEP_RUNTIME_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace lockdep {

inline constexpr size_t kMaxLockDepth = 48;         // MAX_LOCK_DEPTH
inline constexpr size_t kMaxClasses = 16384;        // MAX_LOCKDEP_KEYS
inline constexpr size_t kMaxDependencies = 131072;  // MAX_LOCKDEP_ENTRIES / 2
inline constexpr size_t kMaxChains = 262144;        // MAX_LOCKDEP_CHAINS
inline constexpr int kMaxStackDepth = 64;           // ceiling of stack_depth=

// Class ids are 1-based so that 0 can mean "none" in caches and held locks.
using ClassId = uint16_t;
inline constexpr ClassId kNoClass = 0;
static_assert(kMaxClasses < 65535, "class ids must fit ClassId");

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_LIMITS_H_
