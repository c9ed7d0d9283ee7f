// What happens once at start-up (options) and at normal process exit: the
// main thread's held-lock check, the optional summary, the graph dumps, and the
// exit status of a process that printed reports.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "runtime/dump_options.h"
#include "runtime/lock_stat.h"
#include "runtime/options.h"
#include "runtime/report.h"
#include "runtime/report_log.h"
#include "runtime/validator.h"

namespace lockdep {
namespace {

std::atomic<int> exit_code_override{-1};

void AtExit() {
  ThreadState& ts = CurrentThread();
  // The thread calling exit() ends here too.
  if (ts.recursion == 0) OnThreadExit(ts);
  const Options& o = GetOptions();
  if (o.verbosity >= 2) {
    GraphState& g = Graph();
    std::fprintf(stderr,
                 "lockdep: %zu report%s, %zu lock classes, %zu dependencies, "
                 "%zu chains, %zu stack traces%s\n",
                 TotalReports(), TotalReports() == 1 ? "" : "s", g.classes.size(),
                 g.graph.size(), g.chains.size(), g.traces.trace_count(),
                 ValidationEnabled() ? "" : " (validation was turned off)");
  }
  WriteOptionDumps(/*aborting=*/false);
  int code = exit_code_override.load();
  if (code < 0) code = o.exitcode;
  if (code != 0 && AnyReportPrinted()) {
    std::fflush(nullptr);
    _exit(code);
  }
}

// Runs before main(): reads the options (so a bad one is reported at start-up)
// and registers the exit hook early, so it runs after handlers registered later.
__attribute__((constructor)) void StartUp() {
  SetLockStat(GetOptions().lock_stat);
  CheckDumpOptionsAtStartUp();
  std::atexit(AtExit);
}

}  // namespace

void SetReportExitCode(int code) { exit_code_override.store(code); }

}  // namespace lockdep
