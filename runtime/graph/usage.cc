#include "runtime/graph/usage.h"

#include "absl/strings/str_cat.h"
#include "runtime/export/graph_text.h"

namespace lockdep {

const char* UsageStateName(int bit) { return bit < 4 ? "HARDIRQ" : "SOFTIRQ"; }

std::string UsageName(int bit) {
  if (bit == kUsageUsed) return "INITIAL USE";
  const char* rw = (bit & kUsageRead) ? "R" : "W";
  if (bit & kUsageEnabled) return absl::StrCat(UsageStateName(bit), "-ON-", rw);
  return absl::StrCat("IN-", UsageStateName(bit), "-", rw);
}

// One formatter for reports, dumps and lockgraph (which merges usage masks).
std::string UsageString(uint16_t usage) { return UsageSummary(usage); }

}  // namespace lockdep
