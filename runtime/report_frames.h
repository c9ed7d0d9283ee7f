// The stack frames a report's text names ("function+0x1c/0x40 (file.cc:123)"
// in stack traces and held-lock "at:" lines), parsed back into fields for
// suppressions and JSON output. Report paths only (allocates).
#ifndef LOCKDEP_RUNTIME_REPORT_FRAMES_H_
#define LOCKDEP_RUNTIME_REPORT_FRAMES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lockdep {

struct ReportFrame {
  std::string function;  // demangled, as printed
  std::string file;      // empty when the binary has no line info there
  int line = 0;
};

// Every frame printed in `text`, in order of appearance.
std::vector<ReportFrame> ParseReportFrames(absl::string_view text);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORT_FRAMES_H_
