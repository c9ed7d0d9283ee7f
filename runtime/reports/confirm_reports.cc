#include "runtime/reports/confirm_reports.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/reports/report_output.h"
#include "runtime/reports/report_writer.h"

namespace lockdep {
namespace {

std::string LockText(const LockRecord& l) {
  return absl::StrFormat("%p (%s)%s", l.address, l.class_name, l.read == 0 ? "" : " [read]");
}

}  // namespace

void ReportDeadlockConfirmed(const DeadlockConfirmedFinding& f) {
  ReportWriter w(ReportKind::kDeadlockConfirmed, "WARNING: deadlock confirmed");
  for (const auto& t : f.threads) w.AddClass(t.pending.class_name);
  w.Line("%d threads wait for each other, each for a lock the next one holds:",
         f.threads.size());
  for (size_t i = 0; i < f.threads.size(); ++i) {
    const auto& t = f.threads[i];
    const auto& next = f.threads[(i + 1) % f.threads.size()];
    w.Line(" %s is taking %s, at: %s", t.task, LockText(t.pending), IpName(t.pending.ip));
    w.Line("   held by %s", next.task);
  }
  for (const auto& t : f.threads) {
    w.Blank();
    w.Line("%u lock%s held by %s:", t.held.size(), t.held.size() == 1 ? "" : "s", t.task);
    for (size_t i = 0; i < t.held.size(); ++i) {
      w.Line(" #%u: %s, at: %s", i, LockText(t.held[i]), IpName(t.held[i].ip));
    }
    w.Line("waiting for %s", LockText(t.pending));
    if (!t.stack.empty()) {
      w.Line("stack backtrace:");
      w.Trace(t.stack, 1);
    }
  }
  w.Blank();
  if (f.cycle > 0) {
    w.Line("the predicted cycle %d of %s: %s", f.cycle, f.cycles_path, f.cycle_text);
    w.Line("reproduced with confirm_seed=%d; again with:", f.seed);
    w.Line("  LOCKDEP_OPTIONS=confirm_cycles=%s:confirm_cycle=%d:confirm_seed=%d %s",
           f.cycles_path, f.cycle, f.seed, f.program);
    w.Line("  lockdep-run --confirm --cycles=%s --replay=%d -- PROGRAM ARGS...", f.cycles_path,
           f.seed);
  } else if (!f.cycles_path.empty()) {
    w.Line("not one of the cycles of %s (confirm_seed=%d)", f.cycles_path, f.seed);
  } else {
    w.Line("found by the deadlock watch (confirm_watchdog=1), without steering");
  }
  w.Line("the process ends with exit status %d", f.exit_status);
  w.Emit();
  // The seed only means something when a run steered (confirm_cycles=).
  std::string summary;
  if (f.cycle > 0) {
    summary = absl::StrCat("lockdep: confirm: cycle ", f.cycle, " confirmed (seed ", f.seed, ")\n");
  } else if (!f.cycles_path.empty()) {
    summary = absl::StrCat("lockdep: confirm: deadlock confirmed (seed ", f.seed, ")\n");
  } else {
    summary = "lockdep: confirm: deadlock confirmed (unsteered)\n";
  }
  WriteReportStream(summary);
}

}  // namespace lockdep
