// The kernel's WARN_ON/BUG_ON for subsystems ported on top of the runtime
// (lockdep.h): a failed sanity check is a report like any other, so it fails
// the test that caused it and changes the exit status, instead of a line on
// stderr nobody reads.
#include <sched.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "runtime/lockdep.h"
#include "runtime/reports/report_log.h"
#include "runtime/graph/finding_records.h"
#include "runtime/reports/irq_reports.h"
#include "runtime/graph/validator.h"

using lockdep::ReportKind;

void lockdep_report_warn(int bug, const char* file, int line,
                         const char* function, const char* condition,
                         unsigned long ip) {
  using namespace lockdep;
  ThreadState& ts = CurrentThread();
  if (!g_validation_enabled.load(std::memory_order_relaxed) || ts.recursion) {
    return;
  }
  const ReportKind kind = bug ? ReportKind::kKernelBug : ReportKind::kWarnOn;
  // Once per call site, as the same problem is reported once per process.
  if (!FirstReportOf(kind, std::hash<std::string_view>()(file),
                     static_cast<uint64_t>(line))) {
    return;
  }
  InValidator guard(ts);
  ts.hook_ip = ip;
  const int cpu = sched_getcpu();
  KernelWarningFinding f;
  f.bug = bug != 0;
  f.cpu = cpu < 0 ? 0 : cpu;
  f.pid = CurrentTid();
  f.file = file;
  f.line = line;
  f.function = function;
  f.condition = condition;
  f.ip = ip;
  f.task = TaskRecordOf(ts, reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
  ReportKernelWarning(f);
}
