// The report pipeline behind report.h: de-duplication, the stderr sink, the
// in-process log, the user sink, halt_on_report, and the exit status.
#ifndef LOCKDEP_RUNTIME_REPORT_LOG_H_
#define LOCKDEP_RUNTIME_REPORT_LOG_H_

#include <cstdint>

#include "runtime/report.h"

namespace lockdep {

// Records (kind, a, b) as reported; false when it was already. Callers check
// this before building a report's text, so repeats cost one set lookup.
bool FirstReportOf(ReportKind kind, uint64_t a, uint64_t b);

// Symbolises `report`'s placeholders (deferred_symbols.h), prints it to stderr
// in one write, appends it to the log, runs the user sink, and aborts when
// halt_on_report=1. While the calling thread holds the
// graph lock (ThreadState::defer_reports) the report is queued instead, and
// EmitDeferredReports() emits it once the lock is released.
void EmitReport(Report report);
// Emits the reports this thread queued under the graph lock, oldest first.
void EmitDeferredReports();

// True when any report was printed since start-up.
bool AnyReportPrinted();
size_t TotalReports();

// Forgets the log and the de-duplication records (ResetForTesting); the
// exit status still reflects reports printed before.
void ResetReports();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORT_LOG_H_
