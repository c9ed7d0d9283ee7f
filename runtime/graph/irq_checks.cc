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

#include "absl/strings/str_format.h"

#include "runtime/lockdep.h"
#include "runtime/reports/report_log.h"
#include "runtime/graph/finding_records.h"
#include "runtime/reports/irq_reports.h"
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

ClassRecord ClassRecordOf(ClassId id) {
  return {ClassName(id), UsageString(Graph().classes.at(id).usage.load())};
}

std::vector<uintptr_t> UsageStack(ClassId id, int bit)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  return StoredStack(Graph().classes.at(id).usage_trace[bit]);
}

// Same class used in an irq context and with that irq enabled.
void FoundInconsistent(ThreadState& ts, const HeldLock& held, int new_bit,
                       int old_bit, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  if (!FirstReportOf(ReportKind::kInconsistentLockState, KeyId(held.class_id),
                     uint64_t(new_bit) << 8 | uint64_t(old_bit)))
    return;
  InconsistentFinding f;
  f.context = ContextString(ts);
  f.lock = LockRecordOf(held);
  f.old_usage = UsageName(old_bit);
  f.new_usage = UsageName(new_bit);
  f.old_usage_stack = UsageStack(held.class_id, old_bit);
  f.task = TaskRecordOf(ts, ra);
  ReportInconsistent(f);
}

// A class's new usage conflicts with a class connected to it in the graph.
// forwards: `held` (now used in irq) took `other` (irq-unsafe) in the past;
// otherwise `other` (irq-safe) took `held` (now irq-unsafe) in the past.
void FoundInversion(ThreadState& ts, const HeldLock& held, int new_bit,
                    ClassId other, bool forwards,
                    const std::vector<uint32_t>& path, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  if (!FirstReportOf(ReportKind::kIrqInversion, KeyId(held.class_id),
                     KeyId(other) ^ uint64_t(new_bit)))
    return;
  IrqInversionFinding f;
  f.context = ContextString(ts);
  f.lock = LockRecordOf(held);
  f.state = UsageStateName(new_bit);
  f.forwards = forwards;
  f.other = ClassRecordOf(other);
  for (uint32_t e : path) {
    const Dependency& d = Graph().graph.at(e);
    f.path.push_back({ClassRecordOf(d.from), ClassRecordOf(d.to), StoredStack(d.trace)});
  }
  f.task = TaskRecordOf(ts, ra);
  ReportIrqInversion(f);
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
    FoundInconsistent(ts, held, bit, excl, ra);
    return;
  }
  if (!read && (usage & UsageFlag(excl + kUsageRead))) {
    FoundInconsistent(ts, held, bit, excl + kUsageRead, ra);
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
      FoundInversion(ts, held, bit, other, false, path, ra);
    }
  } else {
    // Used in the irq: nothing it leads to may be held with the irq enabled.
    std::vector<uint32_t> path = g.graph.SearchForward(
        held.class_id, held.read == 2, [&](ClassId c, bool only_xr) {
          return UnsafeForwards(g.classes.at(c).usage.load(), state_base, only_xr);
        });
    if (!path.empty()) {
      FoundInversion(ts, held, bit, g.graph.at(path.back()).to, true, path, ra);
    }
  }
}

void FoundSafeToUnsafe(ThreadState& ts, const HeldLock& prev, const HeldLock& next,
                       int state_base, ClassId safe, ClassId unsafe, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  if (!FirstReportOf(ReportKind::kIrqSafeToUnsafe, KeyId(safe) ^ uint64_t(state_base),
                     KeyId(unsafe)))
    return;
  SafeToUnsafeFinding f;
  f.context = ContextString(ts);
  f.next = LockRecordOf(next);
  f.prev = LockRecordOf(prev);
  f.prev_class = ClassRecordOf(prev.class_id);
  f.next_class = ClassRecordOf(next.class_id);
  f.state = UsageStateName(state_base);
  f.safe = ClassRecordOf(safe);
  f.unsafe = ClassRecordOf(unsafe);
  f.safe_stack = UsageStack(safe, state_base);
  uint16_t u = Graph().classes.at(unsafe).usage.load();
  f.unsafe_stack = UsageStack(unsafe, (u & UsageFlag(state_base + kUsageEnabled))
                                          ? state_base + kUsageEnabled
                                          : state_base + kUsageEnabled + kUsageRead);
  f.task = TaskRecordOf(ts, ra);
  ReportSafeToUnsafe(f);
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
  // Every class after this one now has an ancestor with these bits.
  std::vector<ClassId> after;
  g.graph.ForEachAfter(held.class_id,
                       [&](uint32_t, const Dependency& d) { after.push_back(d.to); });
  for (ClassId c : after) g.graph.SpreadAncestorUsage(c, fresh);
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
  // No class that reaches prev was ever used in the irq: nothing to search
  // for (the ancestor usage summary claims too much at worst, never too
  // little), so a new dependency costs no search on the common path.
  const uint16_t behind = g.classes.at(prev.class_id).ancestor_usage;
  for (int s = 0; s < kUsageStates; ++s) {
    if (!(behind & (UsageFlag(4 * s) | UsageFlag(4 * s + kUsageRead)))) pending &= ~(1u << s);
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
    FoundSafeToUnsafe(ts, prev, next, state_base, safe[s], unsafe, ra);
    return false;
  }
  return true;
}

}  // namespace lockdep
