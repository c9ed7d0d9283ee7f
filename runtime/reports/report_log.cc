#include "runtime/reports/report_log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "runtime/stacks/deferred_symbols.h"
#include "runtime/base/options.h"
#include "runtime/reports/report_frames.h"
#include "runtime/reports/report_output.h"
#include "runtime/base/task_name.h"

namespace lockdep {
namespace {

__thread uint32_t tls_defer_reports __attribute__((tls_model("initial-exec")));
// Reports this thread queued and has not emitted: every graph-lock release
// calls EmitDeferredReports(), and with none queued (nearly always) it need
// not take the log's lock. A report is queued by the thread it is about
// (its tid is the queuing thread's), so the count is this thread's own.
__thread uint32_t tls_deferred_here __attribute__((tls_model("initial-exec")));
std::atomic<void (*)()> before_halt{nullptr};

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

// The C library's process and thread entry points: they sit at the base of
// every stack and have line information wherever glibc's debug files are
// installed, so a program built without -g would otherwise be charged to
// glibc's libc_start_call_main.h.
bool IsEntryFrame(const ReportFrame& f) {
  static constexpr absl::string_view kEntry[] = {
      "_start", "__libc_start_main", "__libc_start_main_impl", "__libc_start_call_main",
      "start_thread", "clone", "clone3", "__clone", "__clone3"};
  for (absl::string_view name : kEntry) {
    if (f.function == name) return true;
  }
  return false;
}

// GoogleTest's runner, which calls a test body: its inline RUN_ALL_TESTS()
// and the test main have line information even when the tests do not.
bool IsTestRunnerFrame(const ReportFrame& f) {
  absl::string_view fn = f.function;
  return absl::StartsWith(fn, "testing::") || absl::StrContains(fn, " testing::") ||
         absl::StartsWith(fn, "RUN_ALL_TESTS");
}

// The first frame of the text with a file and line, and the function of the
// first frame at all, leaving out the C library's entry points and looking no
// further than a test runner's frames (report.h).
void LocateReport(Report& report) {
  for (const ReportFrame& f : ParseReportFrames(report.text)) {
    if (IsTestRunnerFrame(f)) break;
    if (IsEntryFrame(f)) continue;
    if (report.function.empty()) report.function = f.function;
    if (f.file.empty() || f.line <= 0) continue;
    report.file = f.file;
    report.line = f.line;
    report.function = f.function;
    return;
  }
}
std::atomic<bool> any_printed{false};


}  // namespace

const char* ReportKindName(ReportKind kind) {
  for (const ReportKindInfo& k : kReportKinds) {
    if (k.kind == kind) return k.name;
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
  if (tls_defer_reports > 0) {
    InternalLock lock(l.mu);
    l.deferred.emplace_back(report.tid, std::move(report));
    ++tls_deferred_here;
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
    RunBeforeHaltHook();
    std::abort();
  }
}

void EmitDeferredReports() {
  if (tls_deferred_here == 0) return;
  tls_deferred_here = 0;
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

void BeginDeferringReports() { ++tls_defer_reports; }
void EndDeferringReports() { --tls_defer_reports; }
bool ReportsDeferred() { return tls_defer_reports > 0; }
void SetBeforeHaltHook(void (*hook)()) { before_halt.store(hook, std::memory_order_release); }

void RunBeforeHaltHook() {
  if (void (*hook)() = before_halt.load(std::memory_order_acquire)) hook();
}

void SetReportSink(ReportSink sink) {
  user_sink.store(sink, std::memory_order_release);
}

void SetReportPrintFilter(ReportPrintFilter filter) {
  print_filter.store(filter, std::memory_order_release);
}

}  // namespace lockdep
