// The `deadlock confirmed` report (confirm.h): fills its record from the
// wait table's slots; reports/confirm_reports.cc writes its text.
#ifndef LOCKDEP_RUNTIME_CONFIRM_REPORT_H_
#define LOCKDEP_RUNTIME_CONFIRM_REPORT_H_

#include <vector>

#include "runtime/confirm/wait_table.h"

namespace lockdep {

// Emits the report for `stuck` (each thread waits for a lock the next one
// holds, the last for the first's) and the summary line that tools read:
// "lockdep: confirm: cycle K confirmed (seed S)". Allocates; symbolises.
void ReportConfirmedDeadlock(const std::vector<WaitSlot>& stuck);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_CONFIRM_REPORT_H_
