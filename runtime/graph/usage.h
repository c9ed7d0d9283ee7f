// Lock-class usage bits: the interrupt contexts a class was used in, as Linux's
// LOCK_USED_IN_HARDIRQ etc. Bit layout per state S (0 hardirq, 1 softirq):
// 4*S + {0 used in S, 1 used in S for read, 2 taken with S enabled,
// 3 taken with S enabled for read}; bit 8 = used at all.
#ifndef LOCKDEP_RUNTIME_USAGE_H_
#define LOCKDEP_RUNTIME_USAGE_H_

#include <cstdint>
#include <string>

#include "runtime/graph/thread_state.h"

namespace lockdep {

inline constexpr int kUsageRead = 1;     // read variant of a bit
inline constexpr int kUsageEnabled = 2;  // "taken with S enabled" direction
inline constexpr int kUsageStates = 2;   // hardirq, softirq
inline constexpr int kUsedInHardirq = 0;
inline constexpr int kEnabledHardirq = 2;
inline constexpr int kUsedInSoftirq = 4;
inline constexpr int kEnabledSoftirq = 6;
inline constexpr int kUsageUsed = 8;

inline constexpr uint16_t UsageFlag(int bit) { return uint16_t(1u << bit); }

// The bits an acquisition of `held` sets in the current context (Linux's
// mark_usage()): used-in bits for non-trylocks in irq context; enabled bits
// when irqs (and, for softirq, also bottom halves) are on.
inline uint16_t UsageOf(const ThreadState& ts, const HeldLock& held) {
  int r = held.read ? kUsageRead : 0;
  uint16_t bits = UsageFlag(kUsageUsed);
  if (!held.trylock) {
    if (ts.hardirq_depth) bits |= UsageFlag(kUsedInHardirq + r);
    if (ts.softirq_depth) bits |= UsageFlag(kUsedInSoftirq + r);
  }
  if (!held.hardirqs_off) {
    bits |= UsageFlag(kEnabledHardirq + r);
    if (ts.softirqs_enabled()) bits |= UsageFlag(kEnabledSoftirq + r);
  }
  return bits;
}

// "IN-HARDIRQ-W", "SOFTIRQ-ON-R", ...
std::string UsageName(int bit);
// "HARDIRQ" or "SOFTIRQ" for a bit.
const char* UsageStateName(int bit);
// Linux's per-class summary "{-.+.}": per state, write then read; '+' taken
// with it enabled, '-' used in it, '?' both, '.' neither.
std::string UsageString(uint16_t usage);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_USAGE_H_
