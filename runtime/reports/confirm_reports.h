// The text of "deadlock confirmed" (runtime/confirm/ finds it), and the one
// summary line tools read after it.
#ifndef LOCKDEP_RUNTIME_REPORTS_CONFIRM_REPORTS_H_
#define LOCKDEP_RUNTIME_REPORTS_CONFIRM_REPORTS_H_

#include "runtime/reports/findings.h"

namespace lockdep {

// Emits the report, then "lockdep: confirm: cycle K confirmed (seed S)" (or
// "deadlock confirmed (seed S)" outside the predicted cycles, "deadlock
// confirmed (unsteered)" from the watch alone) on the report
// stream. Allocates; symbolises.
void ReportDeadlockConfirmed(const DeadlockConfirmedFinding& f);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORTS_CONFIRM_REPORTS_H_
