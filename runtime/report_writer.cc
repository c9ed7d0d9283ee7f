#include "runtime/report_writer.h"

#include <span>

#include "runtime/deferred_symbols.h"
#include "runtime/options.h"
#include "runtime/report_log.h"
#include "runtime/stack_trace.h"
#include "runtime/usage.h"
#include "runtime/validator.h"

namespace lockdep {

ReportWriter::ReportWriter(ReportKind kind, std::string title) {
  report_.kind = kind;
  report_.tid = CurrentTid();
  report_.title = std::move(title);
  report_.text = std::string(report_.title.size(), '=') + "\n" + report_.title +
                 "\n" + std::string(report_.title.size(), '-') + "\n";
}

std::string ReportWriter::Task() {
  char buf[64];
  CurrentTaskName(buf, sizeof(buf));
  return buf;
}

std::string ClassName(ClassId id) {
  const LockClass& c = Graph().classes.at(id);
  if (c.subclass == 0) return c.name;
  return absl::StrFormat("%s/%d", c.name, c.subclass);
}

std::string IpName(unsigned long ip) { return SymbolPlaceholder(ip); }

void ReportWriter::HeldLockLine(const char* prefix, const HeldLock& held) {
  Line("%s%p (%s)%s%s, at: %s", prefix, static_cast<const void*>(held.map),
       ClassName(held.class_id),
       UsageString(Graph().classes.at(held.class_id).usage.load(std::memory_order_relaxed)),
       held.read == 0 ? "" : held.read == 1 ? " [read]" : " [recursive read]",
       IpName(held.ip));
}

void ReportWriter::HeldLocks(const ThreadState& ts) {
  if (ts.depth == 0) {
    Line("no locks held by %s.", Task());
    return;
  }
  Line("%u lock%s held by %s:", ts.depth, ts.depth > 1 ? "s" : "", Task());
  for (uint32_t i = 0; i < ts.depth; ++i) {
    HeldLockLine(absl::StrFormat(" #%u: ", i).c_str(), ts.held[i]);
  }
}

int CaptureFromHook(uintptr_t hook_return, uintptr_t* pcs, int max) {
  int depth = GetOptions().stack_depth;
  if (depth <= 0) return 0;
  uintptr_t raw[kMaxStackDepth + 32];
  int n = CaptureStack(raw, depth + 32, 0);
  // Start at the user's frame (the hook's ip argument is the return address
  // into it) when it is on the stack, else at the hook's caller.
  int start = 0;
  const uintptr_t user_ip = CurrentThread().hook_ip;
  for (int i = 0; i < n; ++i) {
    if (raw[i] == hook_return && start == 0) start = i;
    if (user_ip && raw[i] == user_ip) {
      start = i;
      break;
    }
  }
  int count = std::min({n - start, depth, max});
  for (int i = 0; i < count; ++i) pcs[i] = raw[start + i];
  return count;
}

void ReportWriter::CurrentStack(uintptr_t hook_return) {
  if (hook_return == 0) return;  // no caller to show (e.g. thread exit)
  uintptr_t pcs[kMaxStackDepth];
  int n = CaptureFromHook(hook_return, pcs, kMaxStackDepth);
  if (n == 0) return;
  Blank();
  Line("stack backtrace:");
  Trace(std::span<const uintptr_t>(pcs, size_t(n)), 1);
}

void ReportWriter::StoredTrace(uint32_t trace_id) {
  Trace(Graph().traces.Get(trace_id), 7);
}

void ReportWriter::Trace(std::span<const uintptr_t> pcs, int indent) {
  AppendTracePlaceholder(&report_.text, pcs, indent);
}

void ReportWriter::Emit() { EmitReport(std::move(report_)); }

}  // namespace lockdep
