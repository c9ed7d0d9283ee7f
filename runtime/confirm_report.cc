#include "runtime/confirm_report.h"

#include <errno.h>

#include <span>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/confirm.h"
#include "runtime/report_output.h"
#include "runtime/report_writer.h"

namespace lockdep {
namespace {

std::string LockText(const WaitLock& l) {
  return absl::StrFormat("%p (%s)%s", static_cast<const void*>(l.map), ClassName(l.class_id),
                         l.read == 0 ? "" : " [read]");
}

}  // namespace

void ReportConfirmedDeadlock(const std::vector<WaitSlot>& stuck) {
  ReportWriter w(ReportKind::kDeadlockConfirmed, "WARNING: deadlock confirmed");
  std::vector<ClassId> classes;
  for (const WaitSlot& s : stuck) {
    classes.push_back(s.pending.class_id);
    w.AddClass(ClassName(s.pending.class_id));
  }
  const int cycle = TargetCycleOf(classes);
  const int seed = ConfirmSeed();
  const std::string path = ConfirmCyclesPath();
  w.Line("%d threads wait for each other, each for a lock the next one holds:", stuck.size());
  for (size_t i = 0; i < stuck.size(); ++i) {
    const WaitSlot& s = stuck[i];
    const WaitSlot& next = stuck[(i + 1) % stuck.size()];
    w.Line(" %s is taking %s, at: %s", s.task, LockText(s.pending), IpName(s.pending.ip));
    w.Line("   held by %s", next.task);
  }
  for (const WaitSlot& s : stuck) {
    w.Blank();
    w.Line("%u lock%s held by %s:", s.depth, s.depth == 1 ? "" : "s", s.task);
    for (uint32_t i = 0; i < s.depth; ++i) {
      w.Line(" #%u: %s, at: %s", i, LockText(s.held[i]), IpName(s.held[i].ip));
    }
    w.Line("waiting for %s", LockText(s.pending));
    if (s.stack_frames > 0) {
      w.Line("stack backtrace:");
      w.Trace(std::span<const uintptr_t>(s.stack, size_t(s.stack_frames)), 1);
    }
  }
  w.Blank();
  if (cycle > 0) {
    w.Line("the predicted cycle %d of %s: %s", cycle, path, TargetCycleText(cycle));
    w.Line("reproduced with confirm_seed=%d; again with:", seed);
    w.Line("  LOCKDEP_OPTIONS=confirm_cycles=%s:confirm_cycle=%d:confirm_seed=%d %s", path,
           cycle, seed, program_invocation_short_name);
    w.Line("  lockdep-run --confirm --cycles=%s --replay=%d -- PROGRAM ARGS...", path, seed);
  } else if (!path.empty()) {
    w.Line("not one of the cycles of %s (confirm_seed=%d)", path, seed);
  } else {
    w.Line("found by the deadlock watch (confirm_watchdog=1), without steering");
  }
  w.Line("the process ends with exit status %d", kDeadlockConfirmedExit);
  w.Emit();
  WriteReportStream(cycle > 0 ? absl::StrCat("lockdep: confirm: cycle ", cycle,
                                             " confirmed (seed ", seed, ")\n")
                              : absl::StrCat("lockdep: confirm: deadlock confirmed (seed ",
                                             seed, ")\n"));
}

}  // namespace lockdep
