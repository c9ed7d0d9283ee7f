#include "runtime/reports/report_writer.h"

#include <span>

#include "runtime/base/task_name.h"
#include "runtime/reports/report_log.h"
#include "runtime/stacks/deferred_symbols.h"

namespace lockdep {

ReportWriter::ReportWriter(ReportKind kind, std::string title) {
  report_.kind = kind;
  report_.tid = CurrentTid();
  report_.title = std::move(title);
  report_.text = std::string(report_.title.size(), '=') + "\n" + report_.title +
                 "\n" + std::string(report_.title.size(), '-') + "\n";
}

std::string IpName(unsigned long ip) { return SymbolPlaceholder(ip); }

void ReportWriter::HeldLockLine(const char* prefix, const LockRecord& lock) {
  Line("%s%p (%s)%s%s, at: %s", prefix, lock.address, lock.class_name, lock.usage,
       lock.read == 0 ? "" : lock.read == 1 ? " [read]" : " [recursive read]",
       IpName(lock.ip));
  if (!lock.description.empty()) Line("  %s", lock.description);
}

void ReportWriter::HeldLocks(const TaskRecord& task) {
  if (task.held.empty()) {
    Line("no locks held by %s.", task.name);
    return;
  }
  Line("%u lock%s held by %s:", task.held.size(), task.held.size() > 1 ? "s" : "",
       task.name);
  for (size_t i = 0; i < task.held.size(); ++i) {
    HeldLockLine(absl::StrFormat(" #%u: ", i).c_str(), task.held[i]);
  }
}

void ReportWriter::CurrentStack(const TaskRecord& task) {
  if (task.stack.empty()) return;
  Blank();
  Line("stack backtrace:");
  Trace(task.stack, 1);
}

void ReportWriter::Trace(std::span<const uintptr_t> pcs, int indent) {
  AppendTracePlaceholder(&report_.text, pcs, indent);
}

void ReportWriter::Emit() { EmitReport(std::move(report_)); }

}  // namespace lockdep
