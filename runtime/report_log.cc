#include "runtime/internal_mutex.h"
#include "runtime/report_log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <tuple>
#include <utility>

#include "runtime/deferred_symbols.h"
#include "runtime/fork_safety.h"
#include "runtime/dump_options.h"
#include "runtime/options.h"
#include "runtime/report_frames.h"
#include "runtime/report_output.h"
#include "runtime/thread_state.h"

namespace lockdep {
namespace {

struct ReportLog {
  InternalMutex mu;
  // Reports queued by graph-lock holders, with the queuing thread's id.
  std::vector<std::pair<long, Report>> deferred ABSL_GUARDED_BY(mu);
  std::set<std::tuple<int, uint64_t, uint64_t>> seen ABSL_GUARDED_BY(mu);
  std::vector<Report> log ABSL_GUARDED_BY(mu);
  size_t total ABSL_GUARDED_BY(mu) = 0;
};

ReportLog& Log() {
  static ReportLog* log = new ReportLog;  // never destroyed: used during exit
  return *log;
}

std::atomic<ReportSink> user_sink{nullptr};
std::atomic<ReportPrintFilter> print_filter{nullptr};

// The first frame of the text with a file and line (report.h).
void LocateReport(Report& report) {
  for (const ReportFrame& f : ParseReportFrames(report.text)) {
    if (f.file.empty() || f.line <= 0) continue;
    report.file = f.file;
    report.line = f.line;
    return;
  }
}
std::atomic<bool> any_printed{false};


}  // namespace

const char* ReportKindName(ReportKind kind) {
  switch (kind) {
    case ReportKind::kCircularDependency: return "circular_dependency";
    case ReportKind::kRecursiveLocking: return "recursive_locking";
    case ReportKind::kInconsistentLockState: return "inconsistent_lock_state";
    case ReportKind::kIrqSafeToUnsafe: return "irq_safe_to_unsafe";
    case ReportKind::kIrqInversion: return "irq_inversion";
    case ReportKind::kBadUnlockBalance: return "bad_unlock_balance";
    case ReportKind::kHeldLockFreed: return "held_lock_freed";
    case ReportKind::kLockHeldAtExit: return "lock_held_at_exit";
    case ReportKind::kUninitializedLock: return "uninitialized_lock";
    case ReportKind::kSleepInAtomic: return "sleep_in_atomic";
    case ReportKind::kAssertHeldFailed: return "assert_held_failed";
    case ReportKind::kAssertNotHeldFailed: return "assert_not_held_failed";
    case ReportKind::kWwMutexMisuse: return "ww_mutex_misuse";
    case ReportKind::kNestLockNotHeld: return "nest_lock_not_held";
    case ReportKind::kLimitReached: return "limit_reached";
    case ReportKind::kChainKeyCollision: return "chain_key_collision";
    case ReportKind::kIrqAssertFailed: return "irq_assert_failed";
    case ReportKind::kWarnOn: return "warn_on";
    case ReportKind::kKernelBug: return "kernel_bug";
  }
  return "unknown";
}

bool FirstReportOf(ReportKind kind, uint64_t a, uint64_t b) {
  ReportLog& l = Log();
  InternalLock lock(l.mu);
  return l.seen.emplace(int(kind), a, b).second;
}

void EmitReport(Report report) {
  ReportLog& l = Log();
  if (CurrentThread().defer_reports > 0) {
    InternalLock lock(l.mu);
    l.deferred.emplace_back(report.tid, std::move(report));
    return;
  }
  // Symbolised here, with no lockdep lock held (deferred_symbols.h), before
  // suppressions match its frames.
  ResolveSymbols(&report.text);
  if (SuppressReport(report)) return;
  if (report.file.empty()) LocateReport(report);
  const ReportPrintFilter filter = print_filter.load(std::memory_order_acquire);
  const bool print = filter == nullptr || filter(report);
  {
    InternalLock lock(l.mu);
    if (print) {
      WriteReportStream(report.text);
      WriteReportJson(report);
    }
    any_printed.store(true, std::memory_order_relaxed);
    ++l.total;
    l.log.push_back(report);
  }
  if (ReportSink sink = user_sink.load(std::memory_order_acquire)) sink(report);
  if (GetOptions().halt_on_report) {
    static const char kHalt[] = "lockdep: halt_on_report=1: aborting\n";
    (void)!write(STDERR_FILENO, kHalt, sizeof(kHalt) - 1);
    WriteOptionDumps(/*aborting=*/true);
    std::abort();
  }
}

void EmitDeferredReports() {
  ReportLog& l = Log();
  std::vector<Report> mine;
  {
    InternalLock lock(l.mu);
    if (l.deferred.empty()) return;
    const long tid = CurrentTid();
    auto keep = l.deferred.begin();
    for (auto& [owner, report] : l.deferred) {
      if (owner == tid) {
        mine.push_back(std::move(report));
      } else {
        *keep++ = {owner, std::move(report)};
      }
    }
    l.deferred.erase(keep, l.deferred.end());
  }
  for (Report& r : mine) EmitReport(std::move(r));
}

bool AnyReportPrinted() { return any_printed.load(std::memory_order_relaxed); }

size_t TotalReports() {
  ReportLog& l = Log();
  InternalLock lock(l.mu);
  return l.total;
}

void ResetReports() {
  ReportLog& l = Log();
  InternalLock lock(l.mu);
  l.seen.clear();
  l.log.clear();
  l.deferred.clear();
  l.total = 0;
}

std::vector<Report> CollectedReports() {
  ReportLog& l = Log();
  InternalLock lock(l.mu);
  return l.log;
}

size_t ReportCount() {
  ReportLog& l = Log();
  InternalLock lock(l.mu);
  return l.log.size();
}

void ClearReports() {
  ReportLog& l = Log();
  InternalLock lock(l.mu);
  l.log.clear();
}

InternalMutex& ReportLogMutex() { return Log().mu; }

void SetReportSink(ReportSink sink) {
  user_sink.store(sink, std::memory_order_release);
}

void SetReportPrintFilter(ReportPrintFilter filter) {
  print_filter.store(filter, std::memory_order_release);
}

}  // namespace lockdep
