#include "runtime/usage.h"

#include "absl/strings/str_cat.h"

namespace lockdep {

const char* UsageStateName(int bit) { return bit < 4 ? "HARDIRQ" : "SOFTIRQ"; }

std::string UsageName(int bit) {
  if (bit == kUsageUsed) return "INITIAL USE";
  const char* rw = (bit & kUsageRead) ? "R" : "W";
  if (bit & kUsageEnabled) return absl::StrCat(UsageStateName(bit), "-ON-", rw);
  return absl::StrCat("IN-", UsageStateName(bit), "-", rw);
}

std::string UsageString(uint16_t usage) {
  std::string s = "{";
  for (int state = 0; state < kUsageStates; ++state) {
    for (int r = 0; r <= kUsageRead; ++r) {
      bool in = usage & UsageFlag(4 * state + r);
      bool on = usage & UsageFlag(4 * state + kUsageEnabled + r);
      s += on ? (in ? '?' : '+') : (in ? '-' : '.');
    }
  }
  return s + "}";
}

}  // namespace lockdep
