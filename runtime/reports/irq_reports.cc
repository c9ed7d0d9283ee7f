#include "runtime/reports/irq_reports.h"

#include "runtime/reports/report_writer.h"

namespace lockdep {
namespace {

std::string Described(const ClassRecord& c) {
  return absl::StrFormat("(%s)%s", c.name, c.usage);
}

// The shortest dependency chain of a report, one class and trace per step.
void DependencyChain(ReportWriter& w, const std::vector<DependencyRecord>& path) {
  for (const DependencyRecord& d : path) {
    w.Line(" -> %s -> %s", Described(d.from), Described(d.to));
    w.Trace(d.stack, 7);
  }
}

// How an interrupt deadlocks two CPUs when `safe` (taken in the irq) leads to
// `unsafe` (held with the irq enabled).
void IrqScenario(ReportWriter& w, const std::string& safe, const std::string& unsafe) {
  w.Line(" Possible interrupt unsafe locking scenario:");
  w.Blank();
  w.Line("       CPU0                    CPU1");
  w.Line("       ----                    ----");
  w.Line("  lock(%s);", unsafe);
  w.Line("                               local_irq_disable();");
  w.Line("                               lock(%s);", safe);
  w.Line("                               lock(%s);", unsafe);
  w.Line("  <Interrupt>");
  w.Line("    lock(%s);", safe);
  w.Blank();
  w.Line(" *** DEADLOCK ***");
  w.Blank();
}

}  // namespace

void ReportInconsistent(const InconsistentFinding& f) {
  const std::string& name = f.lock.class_name;
  ReportWriter w(ReportKind::kInconsistentLockState, "WARNING: inconsistent lock state");
  w.AddClass(name);
  w.Line("inconsistent {%s} -> {%s} usage.", f.old_usage, f.new_usage);
  w.Line("%s %s takes:", f.task.name, f.context);
  w.HeldLockLine(" ", f.lock);
  w.Line("{%s} state was registered at:", f.old_usage);
  w.Trace(f.old_usage_stack, 7);
  w.Blank();
  w.Line("other info that might help us debug this:");
  w.Line(" Possible unsafe locking scenario:");
  w.Blank();
  w.Line("       CPU0");
  w.Line("       ----");
  w.Line("  lock(%s);", name);
  w.Line("  <Interrupt>");
  w.Line("    lock(%s);", name);
  w.Blank();
  w.Line(" *** DEADLOCK ***");
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportIrqInversion(const IrqInversionFinding& f) {
  const std::string& this_name = f.lock.class_name;
  const std::string& other_name = f.other.name;
  ReportWriter w(ReportKind::kIrqInversion,
                 "WARNING: possible irq lock inversion dependency detected");
  w.AddClass(this_name);
  w.AddClass(other_name);
  w.Line("%s %s just changed the state of lock:", f.task.name, f.context);
  w.HeldLockLine(" ", f.lock);
  if (f.forwards) {
    w.Line("but this lock took another, %s-unsafe lock in the past:", f.state);
  } else {
    w.Line("but this lock was taken by another, %s-safe lock in the past:", f.state);
  }
  w.Line(" %s", Described(f.other));
  w.Blank();
  w.Line("and interrupts could create inverse lock ordering between them.");
  w.Blank();
  w.Line("other info that might help us debug this:");
  // The irq-safe lock is taken in the interrupt; the unsafe one is held
  // with interrupts enabled when it arrives.
  const std::string& safe = f.forwards ? this_name : other_name;
  const std::string& unsafe = f.forwards ? other_name : this_name;
  IrqScenario(w, safe, unsafe);
  w.HeldLocks(f.task);
  w.Blank();
  w.Line("the shortest dependencies between 2nd lock and 1st lock:");
  DependencyChain(w, f.path);
  w.CurrentStack(f.task);
  w.Emit();
}

void ReportSafeToUnsafe(const SafeToUnsafeFinding& f) {
  const std::string& state = f.state;
  ReportWriter w(ReportKind::kIrqSafeToUnsafe,
                 absl::StrFormat("WARNING: %s-safe -> %s-unsafe lock order detected",
                                 state, state));
  w.AddClass(f.safe.name);
  w.AddClass(f.unsafe.name);
  w.Line("%s %s is trying to acquire:", f.task.name, f.context);
  w.HeldLockLine(" ", f.next);
  w.Blank();
  w.Line("and this task is already holding:");
  w.HeldLockLine(" ", f.prev);
  w.Line("which would create a new lock dependency:");
  w.Line(" %s -> %s", Described(f.prev_class), Described(f.next_class));
  w.Blank();
  w.Line("but this new dependency connects a %s-irq-safe lock:", state);
  w.Line(" %s", Described(f.safe));
  w.Line("... which became %s-irq-safe at:", state);
  w.Trace(f.safe_stack, 7);
  w.Blank();
  w.Line("to a %s-irq-unsafe lock:", state);
  w.Line(" %s", Described(f.unsafe));
  w.Line("... which became %s-irq-unsafe at:", state);
  w.Trace(f.unsafe_stack, 7);
  w.Blank();
  w.Line("other info that might help us debug this:");
  w.Blank();
  IrqScenario(w, f.safe.name, f.unsafe.name);
  w.TaskState(f.task);
  w.Emit();
}

void ReportSleepInAtomic(const SleepInAtomicFinding& f) {
  ReportWriter w(ReportKind::kSleepInAtomic,
                 absl::StrFormat("BUG: sleeping function called from invalid context at %s:%d",
                                 f.file, f.line));
  for (const std::string& name : f.spinning_classes) w.AddClass(name);
  w.Line("in_atomic(): %d, irqs_disabled(): %d, in_irq(): %d, in_softirq(): %d, "
         "bh_disabled: %u, pid: %ld, name: %s",
         f.in_atomic ? 1 : 0, f.irqs_disabled ? 1 : 0, f.in_irq ? 1 : 0, f.in_softirq ? 1 : 0,
         f.bh_disabled, f.pid, f.task.name);
  w.Line("spinning locks held: %d (a sleep here can deadlock or stall them)", f.spinning);
  w.TaskState(f.task);
  w.Emit();
}

void ReportIrqAssert(const IrqAssertFinding& f) {
  ReportWriter w(ReportKind::kIrqAssertFailed,
                 f.want_enabled ? "WARNING: lockdep_assert_irqs_enabled failed"
                                : "WARNING: lockdep_assert_irqs_disabled failed");
  w.Line("%s expected interrupts %s here, but they are %s.", f.task.name,
         f.want_enabled ? "enabled" : "disabled", f.irqs_off ? "disabled" : "enabled");
  w.Line(" at: %s", IpName(f.ip));
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportKernelWarning(const KernelWarningFinding& f) {
  std::string title =
      f.bug ? absl::StrFormat("BUG: kernel BUG at %s:%d!", f.file, f.line)
            : absl::StrFormat("WARNING: CPU: %d PID: %d at %s:%d %s", f.cpu,
                              static_cast<int>(f.pid), f.file, f.line, f.function);
  ReportWriter w(f.bug ? ReportKind::kKernelBug : ReportKind::kWarnOn, std::move(title));
  w.Line("%s: %s(%s) failed in %s()", f.task.name, f.bug ? "BUG_ON" : "WARN_ON", f.condition,
         f.function);
  w.Line(" at: %s", IpName(f.ip));
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

}  // namespace lockdep
