// Interrupt-context validation, as Linux's mark_lock_irq() and
// check_irq_usage(): a lock used in an interrupt handler must never be held
// where that interrupt can arrive, directly or through the dependency graph.
//
// Read locks follow the deadlock they would cause: an interrupt that takes a
// recursive read lock blocks only on a writer, and a read-held lock blocks
// only a writer or a non-recursive reader. So a reader in irq context and
// readers holding the lock with irqs enabled do not conflict (Linux's irq
// read recursion), while a writer on either side does.
#include <cstring>

#include "runtime/lockdep.h"
#include "runtime/reports/report_log.h"
#include "runtime/graph/finding_records.h"
#include "runtime/reports/report_writer.h"
#include "runtime/graph/usage.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

std::string ContextString(const ThreadState& ts) {
  return absl::StrFormat("[HC%u[%u]:SC%u[%u]:HE%d:SE%d]", ts.hardirq_depth ? 1 : 0,
                         ts.hardirq_depth, ts.softirq_depth ? 1 : 0,
                         ts.softirq_depth, ts.hardirqs_off ? 0 : 1,
                         ts.softirqs_enabled() ? 1 : 0);
}

std::string Described(ClassId id) {
  return absl::StrFormat("(%s)%s", ClassName(id),
                         UsageString(Graph().classes.at(id).usage.load()));
}

void UsageTrace(ReportWriter& w, ClassId id, int bit)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  w.Trace(StoredStack(Graph().classes.at(id).usage_trace[bit]), 7);
}

// The shortest dependency chain of a report, one class and trace per step.
void DependencyChain(ReportWriter& w, const std::vector<uint32_t>& path)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  GraphState& g = Graph();
  for (uint32_t e : path) {
    const Dependency& d = g.graph.at(e);
    w.Line(" -> %s -> %s", Described(d.from), Described(d.to));
    w.Trace(StoredStack(d.trace), 7);
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

// Same class used in an irq context and with that irq enabled.
void ReportInconsistent(ThreadState& ts, const HeldLock& held, int new_bit,
                        int old_bit, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  if (!FirstReportOf(ReportKind::kInconsistentLockState, KeyId(held.class_id),
                     uint64_t(new_bit) << 8 | uint64_t(old_bit)))
    return;
  std::string name = ClassName(held.class_id);
  ReportWriter w(ReportKind::kInconsistentLockState,
                 "WARNING: inconsistent lock state");
  w.AddClass(name);
  w.Line("inconsistent {%s} -> {%s} usage.", UsageName(old_bit), UsageName(new_bit));
  w.Line("%s %s takes:", TaskName(), ContextString(ts));
  w.HeldLockLine(" ", LockRecordOf(held));
  w.Line("{%s} state was registered at:", UsageName(old_bit));
  UsageTrace(w, held.class_id, old_bit);
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
  w.TaskState(TaskRecordOf(ts, ra));
  w.Emit();
}

// A class's new usage conflicts with a class connected to it in the graph.
// forwards: `held` (now used in irq) took `other` (irq-unsafe) in the past;
// otherwise `other` (irq-safe) took `held` (now irq-unsafe) in the past.
void ReportInversion(ThreadState& ts, const HeldLock& held, int new_bit,
                     ClassId other, bool forwards,
                     const std::vector<uint32_t>& path, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  if (!FirstReportOf(ReportKind::kIrqInversion, KeyId(held.class_id),
                     KeyId(other) ^ uint64_t(new_bit)))
    return;
  const char* state = UsageStateName(new_bit);
  std::string this_name = ClassName(held.class_id);
  std::string other_name = ClassName(other);
  ReportWriter w(ReportKind::kIrqInversion,
                 "WARNING: possible irq lock inversion dependency detected");
  w.AddClass(this_name);
  w.AddClass(other_name);
  w.Line("%s %s just changed the state of lock:", TaskName(), ContextString(ts));
  w.HeldLockLine(" ", LockRecordOf(held));
  if (forwards) {
    w.Line("but this lock took another, %s-unsafe lock in the past:", state);
  } else {
    w.Line("but this lock was taken by another, %s-safe lock in the past:", state);
  }
  w.Line(" %s", Described(other));
  w.Blank();
  w.Line("and interrupts could create inverse lock ordering between them.");
  w.Blank();
  w.Line("other info that might help us debug this:");
  // The irq-safe lock is taken in the interrupt; the unsafe one is held
  // with interrupts enabled when it arrives.
  const std::string& safe = forwards ? this_name : other_name;
  const std::string& unsafe = forwards ? other_name : this_name;
  IrqScenario(w, safe, unsafe);
  const TaskRecord task = TaskRecordOf(ts, ra);
  w.HeldLocks(task);
  w.Blank();
  w.Line("the shortest dependencies between 2nd lock and 1st lock:");
  DependencyChain(w, path);
  w.CurrentStack(task);
  w.Emit();
}

// Does `usage` (of a class reached forwards with `only_xr`) make it unsafe
// for irq state `state_base` (0 hardirq, 4 softirq)? A read-held lock is
// unsafe only when the path takes it non-recursively.
bool UnsafeForwards(uint16_t usage, int state_base, bool only_xr) {
  return (usage & UsageFlag(state_base + kUsageEnabled)) ||
         ((usage & UsageFlag(state_base + kUsageEnabled + kUsageRead)) && !only_xr);
}

// Is a class reached backwards (edge out of it with `types`) irq-safe for the
// state? An irq that reads it is blocked only if the class is held exclusively.
bool SafeBackwards(uint16_t usage, int state_base, uint8_t types) {
  return (usage & UsageFlag(state_base)) ||
         ((usage & UsageFlag(state_base + kUsageRead)) && (types & (kDepER | kDepEN)));
}

// mark_lock_irq(): the checks for one newly set bit.
void CheckNewUsage(ThreadState& ts, const HeldLock& held, int bit, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  GraphState& g = Graph();
  uint16_t usage = g.classes.at(held.class_id).usage.load(std::memory_order_relaxed);
  int state_base = bit & ~(kUsageRead | kUsageEnabled);
  bool read = bit & kUsageRead;
  int excl = state_base | ((bit & kUsageEnabled) ^ kUsageEnabled);
  if (usage & UsageFlag(excl)) {
    ReportInconsistent(ts, held, bit, excl, ra);
    return;
  }
  if (!read && (usage & UsageFlag(excl + kUsageRead))) {
    ReportInconsistent(ts, held, bit, excl + kUsageRead, ra);
    return;
  }
  if (bit & kUsageEnabled) {
    // Taken with the irq enabled: no lock that irq takes may lead here.
    std::vector<uint32_t> path = g.graph.SearchBackward(
        held.class_id, read, [&](ClassId c, uint8_t types) {
          return SafeBackwards(g.classes.at(c).usage.load(), state_base, types);
        });
    if (!path.empty()) {
      ClassId other = g.graph.at(path.back()).from;
      std::reverse(path.begin(), path.end());
      ReportInversion(ts, held, bit, other, false, path, ra);
    }
  } else {
    // Used in the irq: nothing it leads to may be held with the irq enabled.
    std::vector<uint32_t> path = g.graph.SearchForward(
        held.class_id, held.read == 2, [&](ClassId c, bool only_xr) {
          return UnsafeForwards(g.classes.at(c).usage.load(), state_base, only_xr);
        });
    if (!path.empty()) {
      ReportInversion(ts, held, bit, g.graph.at(path.back()).to, true, path, ra);
    }
  }
}

void ReportSafeToUnsafe(ThreadState& ts, const HeldLock& prev, const HeldLock& next,
                        int state_base, ClassId safe, ClassId unsafe,
                        uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  const char* state = UsageStateName(state_base);
  if (!FirstReportOf(ReportKind::kIrqSafeToUnsafe, KeyId(safe) ^ uint64_t(state_base),
                     KeyId(unsafe)))
    return;
  ReportWriter w(ReportKind::kIrqSafeToUnsafe,
                 absl::StrFormat("WARNING: %s-safe -> %s-unsafe lock order detected",
                                 state, state));
  std::string safe_name = ClassName(safe), unsafe_name = ClassName(unsafe);
  w.AddClass(safe_name);
  w.AddClass(unsafe_name);
  w.Line("%s %s is trying to acquire:", TaskName(), ContextString(ts));
  w.HeldLockLine(" ", LockRecordOf(next));
  w.Blank();
  w.Line("and this task is already holding:");
  w.HeldLockLine(" ", LockRecordOf(prev));
  w.Line("which would create a new lock dependency:");
  w.Line(" %s -> %s", Described(prev.class_id), Described(next.class_id));
  w.Blank();
  w.Line("but this new dependency connects a %s-irq-safe lock:", state);
  w.Line(" %s", Described(safe));
  w.Line("... which became %s-irq-safe at:", state);
  UsageTrace(w, safe, state_base);
  w.Blank();
  w.Line("to a %s-irq-unsafe lock:", state);
  w.Line(" %s", Described(unsafe));
  w.Line("... which became %s-irq-unsafe at:", state);
  uint16_t u = Graph().classes.at(unsafe).usage.load();
  UsageTrace(w, unsafe, (u & UsageFlag(state_base + kUsageEnabled))
                            ? state_base + kUsageEnabled
                            : state_base + kUsageEnabled + kUsageRead);
  w.Blank();
  w.Line("other info that might help us debug this:");
  w.Blank();
  IrqScenario(w, safe_name, unsafe_name);
  w.TaskState(TaskRecordOf(ts, ra));
  w.Emit();
}

}  // namespace

void MarkUsage(ThreadState& ts, const HeldLock& held, uint16_t bits,
               uintptr_t ra) {
  GraphState& g = Graph();
  GraphLock lock;
  if (!g_validation_enabled.load(std::memory_order_relaxed)) return;
  LockClass& c = g.classes.at(held.class_id);
  uint16_t fresh = bits & ~c.usage.load(std::memory_order_relaxed);
  if (!fresh) return;
  uint32_t trace = SaveTrace(ra);
  for (int bit = 0; bit <= kUsageUsed; ++bit) {
    if (fresh & UsageFlag(bit)) c.usage_trace[bit] = trace;
  }
  c.usage.fetch_or(fresh, std::memory_order_release);
  g.usage_seen |= fresh;
  for (int bit = 0; bit < kUsageUsed; ++bit) {
    if (fresh & UsageFlag(bit)) CheckNewUsage(ts, held, bit, ra);
  }
}

bool CheckIrqDependency(ThreadState& ts, const HeldLock& prev,
                        const HeldLock& next, uintptr_t ra) {
  GraphState& g = Graph();
  auto usage = [&](ClassId c) { return g.classes.at(c).usage.load(std::memory_order_relaxed); };
  // States in which some class was ever irq-safe: only they can conflict.
  // Most user-space programs simulate no interrupts, and then no new
  // dependency pays for a search here.
  uint32_t pending = 0;
  for (int s = 0; s < kUsageStates; ++s) {
    if (g.usage_seen & (UsageFlag(4 * s) | UsageFlag(4 * s + kUsageRead))) pending |= 1u << s;
  }
  if (!pending) return true;
  // An irq-safe lock at or behind prev (held there when prev was taken), per
  // state: prev itself, else the first found by one backward search for all
  // states at once. The search visits classes in the same order whatever it
  // looks for, so each state's answer is the one a search of its own gives.
  ClassId safe[kUsageStates] = {};
  for (int s = 0; s < kUsageStates; ++s) {
    if ((pending & (1u << s)) &&
        SafeBackwards(usage(prev.class_id), 4 * s, prev.read ? kDepSN : kDepEN)) {
      safe[s] = prev.class_id;
      pending &= ~(1u << s);
    }
  }
  if (pending) {
    g.graph.SearchBackward(prev.class_id, prev.read != 0, [&](ClassId c, uint8_t types) {
      const uint16_t u = usage(c);
      for (int s = 0; s < kUsageStates; ++s) {
        if ((pending & (1u << s)) && SafeBackwards(u, 4 * s, types)) {
          safe[s] = c;
          pending &= ~(1u << s);
        }
      }
      return pending == 0;
    });
  }
  for (int s = 0; s < kUsageStates; ++s) {
    if (safe[s] == kNoClass) continue;
    const int state_base = 4 * s;
    // ...and an irq-unsafe lock at or after next.
    ClassId unsafe = kNoClass;
    if (UnsafeForwards(usage(next.class_id), state_base, next.read == 2)) {
      unsafe = next.class_id;
    } else {
      auto path = g.graph.SearchForward(next.class_id, next.read == 2,
                                        [&](ClassId c, bool only_xr) {
                                          return UnsafeForwards(usage(c), state_base, only_xr);
                                        });
      if (!path.empty()) unsafe = g.graph.at(path.back()).to;
    }
    if (unsafe == kNoClass) continue;
    ReportSafeToUnsafe(ts, prev, next, state_base, safe[s], unsafe, ra);
    return false;
  }
  return true;
}

}  // namespace lockdep
