// The report pipeline behind report.h: de-duplication, the stderr sink, the
// in-process log, the user sink, halt_on_report, and the exit status.
#ifndef LOCKDEP_RUNTIME_REPORT_LOG_H_
#define LOCKDEP_RUNTIME_REPORT_LOG_H_

#include <cstdint>

#include "runtime/base/internal_mutex.h"
#include "runtime/report.h"

namespace lockdep {

// Records (kind, a, b) as reported; false when it was already. Callers check
// this before building a report's text, so repeats cost one set lookup.
bool FirstReportOf(ReportKind kind, uint64_t a, uint64_t b);

// Symbolises `report`'s placeholders (deferred_symbols.h), prints it to stderr
// in one write, appends it to the log, runs the user sink, and aborts when
// halt_on_report=1. Between BeginDeferringReports() and
// EndDeferringReports() on the calling thread (the graph lock's scope) the
// report is queued instead, and EmitDeferredReports() emits it once the lock
// is released.
void EmitReport(Report report);
// Nestable; per thread (one initial-exec TLS counter, no call on the fast
// path: only the graph lock's slow path uses them).
void BeginDeferringReports();
void EndDeferringReports();
// True between them on the calling thread.
bool ReportsDeferred();
// Emits the reports this thread queued under the graph lock, oldest first.
void EmitDeferredReports();

// True when any report was printed since start-up.
bool AnyReportPrinted();
size_t TotalReports();

// Forgets the log and the de-duplication records (ResetForTesting); the
// exit status still reflects reports printed before.
void ResetReports();

// Runs `hook` right before the process is ended from inside the runtime
// (halt_on_report=1 aborting, the deadlock watchdog's _exit): the graph
// dumps the options ask for, so a halted run loses nothing it learnt. Set
// once at start-up by the process wiring.
void SetBeforeHaltHook(void (*hook)());

// Runs that hook, if set. It must not wait for the graph lock: the caller
// may be ending the process because threads are stuck.
void RunBeforeHaltHook();

// The report log's lock, for the fork handlers (process/fork_safety.cc).
InternalMutex& ReportLogMutex();
}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORT_LOG_H_
