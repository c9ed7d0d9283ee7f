// Reports as structured records, and the C++ API for reading them in tests.
//
// Every problem the validator finds becomes one Report. Sinks consume it: the
// stderr printer (always), the in-process log that tests read, and at most one
// user sink (the GoogleTest integration installs one). The same problem (kind
// and classes) is reported once per process, until ResetForTesting().
#ifndef LOCKDEP_RUNTIME_REPORT_H_
#define LOCKDEP_RUNTIME_REPORT_H_

#include <cstddef>
#include <string>
#include <vector>

namespace lockdep {

// One per row of the README's report table, plus the few Linux reports it leaves
// open. The comment is the phrase the report's title contains.
enum class ReportKind {
  kCircularDependency,   // possible circular locking dependency detected
  kRecursiveLocking,     // possible recursive locking detected
  kInconsistentLockState,  // inconsistent lock state
  kIrqSafeToUnsafe,      // <IRQ>-safe -> <IRQ>-unsafe lock order detected
  kIrqInversion,         // possible irq lock inversion dependency detected
  kBadUnlockBalance,     // bad unlock balance detected
  kHeldLockFreed,        // held lock freed
  kLockHeldAtExit,       // lock held at thread exit
  kUninitializedLock,    // use of uninitialized or destroyed lock
  kSleepInAtomic,        // sleeping function called from invalid context
  kAssertHeldFailed,     // lockdep_assert_held failed
  kAssertNotHeldFailed,  // lockdep_assert_not_held failed
  kWwMutexMisuse,        // ww_mutex misuse
  kNestLockNotHeld,      // nest_lock not held (Linux: "Nested lock was not taken")
  kLimitReached,         // a fixed table is full; validation turned off
  kIrqAssertFailed,      // lockdep_assert_irqs_disabled/enabled failed
  kChainKeyCollision,    // lockdep chain key collision (check_chains=1 only)
  kWarnOn,               // WARNING: CPU: N PID: N at file:line function (WARN_ON)
  kKernelBug,            // BUG: kernel BUG at file:line! (BUG_ON)
};

// Short stable name of a kind ("circular_dependency"), for logs and tools.
const char* ReportKindName(ReportKind kind);

struct Report {
  ReportKind kind;
  // The title line, e.g. "WARNING: possible circular locking dependency detected".
  std::string title;
  // Names of the lock classes involved, in the order the report discusses them
  // (for a cycle: the lock being acquired first, then the held one).
  std::vector<std::string> classes;
  // The whole block exactly as printed to stderr.
  std::string text;
  // Thread id (gettid) of the thread that made the report.
  long tid = 0;
  // Where the report points in the program: the file and line of the first
  // frame its text names (the "at:" of the lock being taken, for most
  // kinds), as printed; "" and 0 when no frame has line information.
  std::string file;
  int line = 0;
};

// Every report made since start-up or the last ClearReports(), oldest first.
// Cost: copies the log under a lock.
std::vector<Report> CollectedReports();
// Number of reports made since start-up or the last ClearReports().
size_t ReportCount();
// Empties the log read by CollectedReports() (de-duplication is kept).
void ClearReports();

// Forgets every class, dependency, chain, report and de-duplication record, so
// a test starts from an empty graph (as Linux's selftests reset between cases),
// and turns validation back on if a limit had turned it off. Maps keep their
// keys; their cached classes are re-resolved. Call it only while no other
// thread uses any lock (e.g. in a test fixture's SetUp). Held locks of the
// calling thread are forgotten too.
void ResetForTesting();

// Overrides the `exitcode` option: the status a process that printed any
// report exits with (0 keeps the program's own). Test mains whose framework
// already fails the test that caused a report (or captured it as expected)
// set 0, so an expected report does not fail the whole binary. A negative
// code restores the option's value.
void SetReportExitCode(int code);

// True while validation is on (it goes off when a fixed limit is hit).
bool ValidationEnabled();

// A callback run for every report, after it is printed, on the reporting
// thread. At most one; nullptr removes it. The GoogleTest integration uses it.
using ReportSink = void (*)(const Report& report);
void SetReportSink(ReportSink sink);

// Asked for every report before it is written to the report stream (stderr
// or log_path) and the JSON output: false keeps it out of both (it is still
// logged, counted and handed to the sink). For test frameworks, whose tests
// expect some reports. At most one; nullptr removes it. Runs on the reporting
// thread, with no lockdep lock held.
using ReportPrintFilter = bool (*)(const Report& report);
void SetReportPrintFilter(ReportPrintFilter filter);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORT_H_
