// What happens once at start-up (options) and at normal process exit: the
// main thread's held-lock check, the optional summary, the graph dumps, and the
// exit status of a process that printed reports.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"
#include "runtime/export/dump_options.h"
#include "runtime/base/link_anchors.h"
#include "runtime/graph/lock_stat.h"
#include "runtime/base/options.h"
#include "runtime/confirm/confirm.h"
#include "runtime/report.h"
#include "runtime/reports/report_log.h"
#include "runtime/reports/report_output.h"
#include "runtime/stacks/stack_room.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

std::atomic<int> exit_code_override{-1};

void AtExit() {
  ThreadState& ts = CurrentThread();
  // The thread calling exit() ends here too.
  if (ts.recursion == 0) OnThreadExit(ts);
  // From here on the runtime's own work: the locks it takes are not the
  // program's (an LD_PRELOAD build would otherwise track them).
  InValidator inside(ts);
  const Options& o = GetOptions();
  const size_t reports = TotalReports();
  int code = exit_code_override.load();
  const bool from_option = code < 0;
  if (from_option) code = o.exitcode;
  const bool change_status = code != 0 && AnyReportPrinted();
  // The summary goes where the reports went (stderr or log_path).
  std::string summary;
  if (o.verbosity >= 1 && reports > 0) {
    if (change_status) {
      absl::StrAppendFormat(&summary, "lockdep: %d report%s; exit status %d (%s)\n",
                            reports, reports == 1 ? "" : "s", code,
                            from_option ? "LOCKDEP_OPTIONS exitcode" : "set by the test main");
    } else {
      absl::StrAppendFormat(&summary, "lockdep: %d report%s; exit status left to the program\n",
                            reports, reports == 1 ? "" : "s");
    }
  }
  if (uint64_t n = SuppressedReportCount(); n > 0 && o.verbosity >= 1) {
    absl::StrAppendFormat(&summary, "lockdep: %d report%s suppressed (suppressions=%s)\n", n,
                          n == 1 ? "" : "s", o.suppressions);
  }
  if (uint64_t n = g_untracked_handler_acquisitions.load(); n > 0 && o.verbosity >= 1) {
    absl::StrAppendFormat(&summary,
                          "lockdep: %d lock acquisition%s by interrupt handlers not "
                          "tracked: each handler had interrupted the runtime itself\n",
                          n, n == 1 ? "" : "s");
  }
  if (uint64_t n = TracesLeftOut(); n > 0 && o.verbosity >= 1) {
    absl::StrAppendFormat(&summary,
                          "lockdep: %d stack trace%s left out: a thread had less than %d KiB "
                          "of stack left (a small thread stack)\n",
                          n, n == 1 ? "" : "s", kUnwindStackRoom / 1024);
  }
  if (o.verbosity >= 1) summary += ConfirmSummary();
  if (o.verbosity >= 2) {
    GraphState& g = Graph();
    GraphLock lock;  // other threads may still be learning
    absl::StrAppendFormat(&summary,
                          "lockdep: %d report%s, %d lock classes, %d dependencies, "
                          "%d chains, %d stack traces%s\n",
                          reports, reports == 1 ? "" : "s", g.classes.size(), g.graph.size(),
                          g.chains.size(), g.traces.trace_count(),
                          ValidationEnabled() ? "" : " (validation was turned off)");
  }
  if (!summary.empty()) WriteReportStream(summary);
  WriteOptionDumps(/*aborting=*/false);
  if (change_status) {
    // exit() again from inside an exit handler: glibc runs the handlers not
    // yet run (registered before this one: static destructors, gcov's data,
    // LeakSanitizer's check), then leaves with the new status. _exit() would
    // skip them all.
    static std::atomic<bool> reentered{false};
    if (!reentered.exchange(true)) std::exit(code);
  }
}

// Runs before main(): reads the options (so a bad one is reported at start-up)
// and registers the exit hook early, so it runs after handlers registered later.
void DumpBeforeHalt() { WriteOptionDumps(/*aborting=*/true); }

__attribute__((constructor)) void StartUp() {
  InValidator inside(CurrentThread());  // see AtExit()
  SetBeforeHaltHook(DumpBeforeHalt);
  SetLockStat(GetOptions().lock_stat);
  CheckDumpOptionsAtStartUp();
  InitReportOutput();
  StartConfirmation();
  std::atexit(AtExit);
}

}  // namespace

void SetReportExitCode(int code) { exit_code_override.store(code); }

const char kProcessExitAnchor = 0;

}  // namespace lockdep
