// ResetForTesting(): one step over every layer, so it lives above them all.
#include "runtime/export/graph_snapshot.h"
#include "runtime/graph/validator.h"
#include "runtime/lockdep.h"
#include "runtime/reports/report_log.h"

namespace lockdep {

void ResetForTesting() {
  // The graph dumps keep what was learnt before the reset (dump_graph
  // describes the whole process).
  RecordGraphBeforeReset();
  ClearGraphForReset();
  ResetReports();
  RunRegisteredPrimings();
}

}  // namespace lockdep
