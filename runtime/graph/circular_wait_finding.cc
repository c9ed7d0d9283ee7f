// Fills the record of a cycle through an event (reports/wait_reports.h
// renders it).
#include <algorithm>
#include <string>
#include <vector>

#include "runtime/graph/finding_records.h"
#include "runtime/graph/wait_graph.h"
#include "runtime/reports/report_log.h"
#include "runtime/reports/wait_reports.h"

namespace lockdep {
namespace {

WaitClassRecord WaitClassOf(ClassId id) {
  WaitClassRecord r;
  r.name = ClassName(id);
  r.event = IsEventClass(id);
  if (r.event) {
    r.wait_verb = EventWaitVerb(id);
    r.signal_verb = EventSignalVerb(id);
  }
  return r;
}

}  // namespace

void FoundCircularWait(ThreadState& ts, ClassId from, ClassId to,
                        const std::vector<uint32_t>& path, const char* doing,
                        uintptr_t ra) {
  GraphState& g = Graph();
  uint64_t a = KeyId(from), b = KeyId(to);
  if (!FirstReportOf(ReportKind::kCircularWait, std::min(a, b), std::max(a, b)))
    return;
  CircularWaitFinding f;
  f.doing = doing;
  f.from = WaitClassOf(from);
  f.to = WaitClassOf(to);
  for (uint32_t i = ts.depth; i-- > 0;) {
    if (ts.held[i].class_id == from) {
      f.held = LockRecordOf(ts.held[i]);
      break;
    }
  }
  for (uint32_t e : path) {
    const Dependency& d = g.graph.at(e);
    f.chain.push_back({WaitClassOf(d.from), WaitClassOf(d.to), StoredStack(d.trace)});
  }
  f.task = TaskRecordOf(ts, ra);
  // The acquisition happening now is where this thread stands: one unwind.
  f.new_stack = f.task.stack;
  ReportCircularWait(f);
}

}  // namespace lockdep
