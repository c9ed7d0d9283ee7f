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

// A lock a report names with the place it was (or is being) taken.
struct ReportLockSite {
  std::string lock_class;  // the class name as printed
  ReportFrame at;          // function empty when the text gives no site
};

// One dependency of the chain a report prints ("-> #1 (B):" and its stack):
// the stack that first took `lock_class` while the previous link was held.
struct ReportChainLink {
  std::string lock_class;
  std::vector<ReportFrame> stack;
};

// A report's text split by what each frame belongs to, for CI annotations:
// the lock being taken (or released, or registered) and its site; each
// dependency of the chain with its stack; each held lock with its site; the
// current backtrace. Sections the kind does not print stay empty.
struct ReportSections {
  std::vector<ReportLockSite> taking;  // at most one
  std::vector<ReportChainLink> chain;
  std::vector<ReportLockSite> held;
  std::vector<ReportFrame> backtrace;
};
ReportSections ParseReportSections(absl::string_view text);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORT_FRAMES_H_
