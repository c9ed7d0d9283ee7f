// Builds the text of one report in the kernel's layout: a line of '=', the
// title, a line of '-', then details. Used on report paths only (allocates).
// Code addresses are written as placeholders (deferred_symbols.h) that
// EmitReport() symbolises after the graph lock is released.
#ifndef LOCKDEP_RUNTIME_REPORT_WRITER_H_
#define LOCKDEP_RUNTIME_REPORT_WRITER_H_

#include <cstdint>
#include <span>
#include <string>

#include "absl/strings/str_format.h"
#include "runtime/report.h"
#include "runtime/thread_state.h"
#include "runtime/validator.h"

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

  // " (name), at: symbol" for a held lock, with `prefix` before it.
  void HeldLockLine(const char* prefix, const HeldLock& held);
  // "N locks held by task/tid:" and one " #i:" line per held lock.
  void HeldLocks(const ThreadState& ts);
  // "stack backtrace:" and the current stack from the hook's caller outwards
  // (nothing when stack_depth=0 or hook_return is 0).
  void CurrentStack(uintptr_t hook_return);
  // A stored trace, indented like the kernel's chain entries.
  void StoredTrace(uint32_t trace_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);
  // A captured trace, one line per frame, indented by `indent`.
  void Trace(std::span<const uintptr_t> pcs, int indent);

  // Finishes and emits the report (EmitReport).
  void Emit();

  static std::string Task();

 private:
  Report report_;
};

// "name" or "name/2" for a class (subclass suffix as in Linux).
std::string ClassName(ClassId id);
// The "at:" symbol of an ip (a placeholder until the report is emitted).
std::string IpName(unsigned long ip);

// Captures the current stack trimmed to start at the frame that called the
// hook (whose return address is `hook_return`). Returns the frame count.
int CaptureFromHook(uintptr_t hook_return, uintptr_t* pcs, int max);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORT_WRITER_H_
