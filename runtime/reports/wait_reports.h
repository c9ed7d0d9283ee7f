// The text of "possible circular wait dependency detected" (detected by
// runtime/graph/wait_graph.cc): a cycle of the lock graph through an event,
// in the kernel's layout of a circular locking report, with a scenario of one
// column per context of the cycle.
#ifndef LOCKDEP_RUNTIME_REPORTS_WAIT_REPORTS_H_
#define LOCKDEP_RUNTIME_REPORTS_WAIT_REPORTS_H_

#include "runtime/reports/findings.h"

namespace lockdep {

void ReportCircularWait(const CircularWaitFinding& f);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORTS_WAIT_REPORTS_H_
