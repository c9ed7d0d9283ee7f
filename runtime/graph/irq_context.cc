// The simulated interrupt contexts of lockdep.h, per thread, and the checks
// that depend on them alone: might_sleep() and the irq-state asserts.
#include <cstdio>
#include <functional>
#include <string_view>

#include "runtime/lockdep.h"
#include "runtime/reports/report_log.h"
#include "runtime/graph/finding_records.h"
#include "runtime/reports/irq_reports.h"
#include "runtime/graph/usage.h"
#include "runtime/graph/validator.h"
#include "runtime/wait_event.h"

namespace lockdep {
namespace {

#define HOOK_RA reinterpret_cast<uintptr_t>(__builtin_return_address(0))

// Linux's mark_held_locks(): turning an irq state back on while holding
// locks means each of them is now held with it enabled.
void MarkHeldLocks(ThreadState& ts, int enabled_bit, uintptr_t ra) {
  if (!Tracking(ts)) return;
  InValidator guard(ts);
  for (uint32_t i = 0; i < ts.depth; ++i) {
    HeldLock& h = ts.held[i];
    if (!h.check) continue;
    uint16_t bit = UsageFlag(enabled_bit + (h.read ? kUsageRead : 0));
    if (Graph().classes.at(h.class_id).usage.load(std::memory_order_acquire) & bit) continue;
    MarkUsage(ts, h, bit, ra);
  }
}

void ReportSleep(ThreadState& ts, const char* file, int line, uintptr_t ra) {
  // One report per sleeping call site and reason (innermost spinning lock's
  // class, or the context).
  uint64_t reason = ts.irq_context() | uint64_t(ts.hardirqs_off) << 2 |
                    uint64_t(ts.bh_disable_count != 0) << 3;
  for (uint32_t i = ts.depth; i-- > 0;) {
    if (ts.held[i].map->spinning) {
      reason = KeyId(ts.held[i].class_id);
      break;
    }
  }
  if (!FirstReportOf(ReportKind::kSleepInAtomic,
                     std::hash<std::string_view>()(file) ^ uint64_t(line), reason))
    return;
  InValidator guard(ts);
  SleepInAtomicFinding f;
  f.file = file;
  f.line = line;
  for (uint32_t i = 0; i < ts.depth; ++i) {
    if (ts.held[i].map->spinning) f.spinning_classes.push_back(ClassName(ts.held[i].class_id));
  }
  f.spinning = int(f.spinning_classes.size());
  f.in_atomic = f.spinning || ts.hardirq_depth || ts.softirq_depth || ts.bh_disable_count;
  f.irqs_disabled = ts.hardirqs_off;
  f.in_irq = ts.hardirq_depth != 0;
  f.in_softirq = ts.softirq_depth != 0;
  f.bh_disabled = ts.bh_disable_count;
  f.pid = CurrentTid();
  f.task = TaskRecordOf(ts, ra);
  ReportSleepInAtomic(f);
}

}  // namespace
}  // namespace lockdep

using namespace lockdep;

void lockdep_hardirqs_off(unsigned long) { CurrentThread().hardirqs_off = true; }

void lockdep_hardirqs_on(unsigned long) {
  ThreadState& ts = CurrentThread();
  if (!ts.hardirqs_off) return;
  ts.hardirqs_off = false;
  // Held locks are now held with irqs on (softirqs too, when bh is on).
  if (ts.depth == 0) return;
  MarkHeldLocks(ts, kEnabledHardirq, HOOK_RA);
  if (ts.softirqs_enabled()) MarkHeldLocks(ts, kEnabledSoftirq, HOOK_RA);
}

void lockdep_softirqs_off(unsigned long) { ++CurrentThread().bh_disable_count; }

void lockdep_softirqs_on(unsigned long) {
  ThreadState& ts = CurrentThread();
  if (ts.bh_disable_count == 0) {
    std::fprintf(stderr, "lockdep: local_bh_enable() without local_bh_disable(); ignored\n");
    return;
  }
  if (--ts.bh_disable_count == 0 && ts.depth && ts.softirqs_enabled() && !ts.hardirqs_off) {
    MarkHeldLocks(ts, kEnabledSoftirq, HOOK_RA);
  }
}

void lockdep_hardirq_enter(unsigned long) {
  ThreadState& ts = CurrentThread();
  if (ts.hardirq_depth < 32 && ts.hardirqs_off) {
    ts.irqs_off_before_enter |= 1u << ts.hardirq_depth;
  } else if (ts.hardirq_depth < 32) {
    ts.irqs_off_before_enter &= ~(1u << ts.hardirq_depth);
  }
  if (ts.hardirq_depth < 32) {
    const uint32_t bit = 1u << ts.hardirq_depth;
    ts.irq_entered_in_runtime =
        ts.recursion ? ts.irq_entered_in_runtime | bit : ts.irq_entered_in_runtime & ~bit;
  }
  ++ts.hardirq_depth;
  ts.hardirqs_off = true;  // handlers run with interrupts disabled
  lockdep_event_section_start();  // a handler's signals follow its own takes
}

void lockdep_hardirq_exit(unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (ts.hardirq_depth == 0) {
    std::fprintf(stderr, "lockdep: irq_exit() without irq_enter(); ignored\n");
    return;
  }
  --ts.hardirq_depth;
  bool was_off = ts.hardirq_depth < 32 && (ts.irqs_off_before_enter >> ts.hardirq_depth & 1);
  if (!was_off) lockdep_hardirqs_on(ip);
}

void lockdep_softirq_enter(unsigned long) {
  ++CurrentThread().softirq_depth;
  lockdep_event_section_start();  // as for a hard irq handler
}

void lockdep_softirq_exit(unsigned long) {
  ThreadState& ts = CurrentThread();
  if (ts.softirq_depth == 0) {
    std::fprintf(stderr, "lockdep: softirq exit without enter; ignored\n");
    return;
  }
  --ts.softirq_depth;
}

int lockdep_hardirqs_enabled() { return CurrentThread().hardirqs_off ? 0 : 1; }
int lockdep_hardirq_depth() { return int(CurrentThread().hardirq_depth); }
int lockdep_softirq_depth() { return int(CurrentThread().softirq_depth); }
int lockdep_bh_disable_depth() { return int(CurrentThread().bh_disable_count); }

void lockdep_might_sleep(const char* file, int line, unsigned long) {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts)) return;
  bool atomic = ts.hardirq_depth || ts.softirq_depth || ts.bh_disable_count ||
                ts.hardirqs_off;
  for (uint32_t i = 0; i < ts.depth && !atomic; ++i) atomic = ts.held[i].map->spinning;
  if (atomic) ReportSleep(ts, file, line, HOOK_RA);
}

void lockdep_assert_irqs_hook(int want_enabled, unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts) || (!ts.hardirqs_off) == (want_enabled != 0)) return;
  if (!FirstReportOf(ReportKind::kIrqAssertFailed, uint64_t(ip), 0)) return;
  InValidator guard(ts);
  IrqAssertFinding f;
  f.want_enabled = want_enabled != 0;
  f.irqs_off = ts.hardirqs_off;
  f.ip = ip;
  f.task = TaskRecordOf(ts, HOOK_RA);
  ReportIrqAssert(f);
}
