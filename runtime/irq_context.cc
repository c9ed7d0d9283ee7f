// The simulated interrupt contexts of lockdep.h, per thread, and the checks
// that depend on them alone: might_sleep() and the irq-state asserts.
#include <cstdio>
#include <functional>
#include <string_view>

#include "runtime/lockdep.h"
#include "runtime/report_log.h"
#include "runtime/report_writer.h"
#include "runtime/usage.h"
#include "runtime/validator.h"
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
  int spinning = 0;
  for (uint32_t i = 0; i < ts.depth; ++i) spinning += ts.held[i].map->spinning;
  InValidator guard(ts);
  ReportWriter w(ReportKind::kSleepInAtomic,
                 absl::StrFormat("BUG: sleeping function called from invalid context at %s:%d",
                                 file, line));
  for (uint32_t i = 0; i < ts.depth; ++i) {
    if (ts.held[i].map->spinning) w.AddClass(ClassName(ts.held[i].class_id));
  }
  w.Line("in_atomic(): %d, irqs_disabled(): %d, in_irq(): %d, in_softirq(): %d, "
         "bh_disabled: %u, pid: %ld, name: %s",
         spinning || ts.hardirq_depth || ts.softirq_depth || ts.bh_disable_count ? 1 : 0,
         ts.hardirqs_off ? 1 : 0, ts.hardirq_depth ? 1 : 0, ts.softirq_depth ? 1 : 0,
         ts.bh_disable_count, CurrentTid(), ReportWriter::Task());
  w.Line("spinning locks held: %d (a sleep here can deadlock or stall them)", spinning);
  w.HeldLocks(ts);
  w.CurrentStack(ra);
  w.Emit();
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
  ReportWriter w(ReportKind::kIrqAssertFailed,
                 want_enabled ? "WARNING: lockdep_assert_irqs_enabled failed"
                              : "WARNING: lockdep_assert_irqs_disabled failed");
  w.Line("%s expected interrupts %s here, but they are %s.", ReportWriter::Task(),
         want_enabled ? "enabled" : "disabled", ts.hardirqs_off ? "disabled" : "enabled");
  w.Line(" at: %s", IpName(ip));
  w.Blank();
  w.HeldLocks(ts);
  w.CurrentStack(HOOK_RA);
  w.Emit();
}
