// Builds the text of one report in the kernel's layout: a line of '=', the
// title, a line of '-', then details. Used on report paths only (allocates).
// Reads records (findings.h), never the validator's tables. Code addresses
// are written as placeholders (deferred_symbols.h) that EmitReport()
// symbolises after the graph lock is released.
#ifndef LOCKDEP_RUNTIME_REPORTS_REPORT_WRITER_H_
#define LOCKDEP_RUNTIME_REPORTS_REPORT_WRITER_H_

#include <cstdint>
#include <span>
#include <string>

#include "absl/strings/str_format.h"
#include "runtime/report.h"
#include "runtime/reports/findings.h"

namespace lockdep {

class ReportWriter {
 public:
  ReportWriter(ReportKind kind, std::string title);

  template <typename... Args>
  void Line(const absl::FormatSpec<Args...>& format, const Args&... args) {
    absl::StrAppendFormat(&report_.text, format, args...);
    report_.text += '\n';
  }
  void Blank() { report_.text += '\n'; }
  void Raw(const std::string& text) { report_.text += text; }

  // Remembers a class name for Report::classes.
  void AddClass(const std::string& name) { report_.classes.push_back(name); }

  // "<prefix><address> (class){usage}[read], at: symbol", and the lock's
  // description indented under it when its class has one.
  void HeldLockLine(const char* prefix, const LockRecord& lock);
  // "N locks held by task:" and one " #i:" line per held lock.
  void HeldLocks(const TaskRecord& task);
  // "stack backtrace:" and the task's stack (nothing when it has none).
  void CurrentStack(const TaskRecord& task);
  // The usual end of a report: the held locks, then the stack.
  void TaskState(const TaskRecord& task) {
    HeldLocks(task);
    CurrentStack(task);
  }
  // A trace, one line per frame, indented by `indent`.
  void Trace(std::span<const uintptr_t> pcs, int indent);

  // Finishes and emits the report (EmitReport).
  void Emit();

 private:
  Report report_;
};

// The "at:" symbol of an ip (a placeholder until the report is emitted).
std::string IpName(unsigned long ip);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORTS_REPORT_WRITER_H_
