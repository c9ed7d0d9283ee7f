#include "runtime/confirm/confirm_report.h"

#include <errno.h>

#include <string>

#include "runtime/confirm/confirm.h"
#include "runtime/graph/finding_records.h"
#include "runtime/reports/confirm_reports.h"

namespace lockdep {
namespace {

LockRecord LockOf(const WaitLock& l) {
  LockRecord r;
  r.address = l.map;
  r.class_name = ClassName(l.class_id);
  r.read = l.read;
  r.ip = l.ip;
  return r;
}

}  // namespace

void ReportConfirmedDeadlock(const std::vector<WaitSlot>& stuck) {
  DeadlockConfirmedFinding f;
  std::vector<ClassId> classes;
  for (const WaitSlot& s : stuck) {
    classes.push_back(s.pending.class_id);
    DeadlockConfirmedFinding::Thread t;
    t.task = s.task;
    t.pending = LockOf(s.pending);
    for (uint32_t i = 0; i < s.depth; ++i) t.held.push_back(LockOf(s.held[i]));
    if (s.stack_frames > 0) t.stack.assign(s.stack, s.stack + s.stack_frames);
    f.threads.push_back(std::move(t));
  }
  f.cycle = TargetCycleOf(classes);
  f.cycle_text = f.cycle > 0 ? TargetCycleText(f.cycle) : "";
  f.cycles_path = ConfirmCyclesPath();
  f.seed = ConfirmSeed();
  f.program = program_invocation_short_name;
  f.exit_status = kDeadlockConfirmedExit;
  ReportDeadlockConfirmed(f);
}

}  // namespace lockdep
