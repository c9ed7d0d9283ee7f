// The prose of "possible circular wait dependency detected": a cycle of the
// lock graph that passes through an event class, in the kernel's layout of a
// circular locking report (the chain with each dependency's stack, then a
// scenario with one column per context of the cycle).
#include <algorithm>
#include <string>
#include <vector>

#include "runtime/report_log.h"
#include "runtime/report_writer.h"
#include "runtime/wait_graph.h"

namespace lockdep {
namespace {

constexpr size_t kMaxScenarioColumns = 4;

std::string Named(ClassId id) {
  std::string name = ClassName(id);
  if (IsEventClass(id)) name += " [event]";
  return name;
}

// What a context does for the dependency from -> to: first it gets (or is
// held in) one thing, then it needs the other, and cannot have it.
void Steps(ClassId from, ClassId to, std::string* first, std::string* second) {
  std::string f = ClassName(from), t = ClassName(to);
  bool from_event = IsEventClass(from), to_event = IsEventClass(to);
  if (!from_event) {
    *first = "lock(" + f + ");";
    *second = to_event ? std::string(EventWaitVerb(to)) + "(" + t + ");"
                       : "lock(" + t + ");";
  } else {
    *first = to_event ? std::string(EventWaitVerb(to)) + "(" + t + ");"
                      : "lock(" + t + ");";
    *second = std::string(EventSignalVerb(from)) + "(" + f + ");";
  }
}

std::string Column(size_t column, const std::string& text) {
  return std::string(column == 0 ? 2 : 31 * column, ' ') + text;
}

}  // namespace

void ReportCircularWait(ThreadState& ts, ClassId from, ClassId to,
                        const std::vector<uint32_t>& path, const char* doing,
                        uintptr_t ra) {
  GraphState& g = Graph();
  uint64_t a = KeyId(from), b = KeyId(to);
  if (!FirstReportOf(ReportKind::kCircularWait, std::min(a, b), std::max(a, b)))
    return;
  ReportWriter w(ReportKind::kCircularWait,
                 "WARNING: possible circular wait dependency detected");
  w.AddClass(ClassName(to));
  w.AddClass(ClassName(from));
  for (size_t i = 0; i + 1 < path.size(); ++i) w.AddClass(ClassName(g.graph.at(path[i]).to));

  std::string doing_text(doing);
  if (doing_text == "signal") {
    w.Line("%s is signalling event:", ReportWriter::Task());
    w.Line(" (%s)", Named(from));
    w.Blank();
    w.Line("but to get there it had to take:");
    w.Line(" (%s)", Named(to));
    w.Blank();
    w.Line("which already depends on the event (a waiter for it holds it).");
  } else {
    w.Line("%s is trying to %s %s:", ReportWriter::Task(),
           doing_text == "wait for" ? "wait for" : "acquire",
           IsEventClass(to) ? "event" : "lock");
    w.Line(" (%s)", Named(to));
    w.Blank();
    w.Line("but task is already holding lock:");
    const HeldLock* held = nullptr;
    for (uint32_t i = ts.depth; i-- > 0;) {
      if (ts.held[i].class_id == from) {
        held = &ts.held[i];
        break;
      }
    }
    if (held) {
      w.HeldLockLine(" ", *held);
    } else {
      w.Line(" (%s)", Named(from));
    }
    w.Blank();
    w.Line("which lock already depends on the new %s.",
           IsEventClass(to) ? "event (its signaller needs the lock first)" : "lock");
  }
  w.Blank();
  w.Blank();
  w.Line("the existing dependency chain (in reverse order) is:");
  size_t depth = path.size();
  for (size_t i = path.size(); i-- > 0;) {
    const Dependency& d = g.graph.at(path[i]);
    w.Blank();
    if (IsEventClass(d.from)) {
      w.Line("-> #%u (%s): taken before %s(%s):", depth, Named(d.to),
             EventSignalVerb(d.from), ClassName(d.from));
    } else {
      w.Line("-> #%u (%s):", depth, Named(d.to));
    }
    w.StoredTrace(d.trace);
    --depth;
  }
  w.Blank();
  w.Line("-> #0 (%s):", Named(to));
  {
    uintptr_t pcs[kMaxStackDepth];
    int n = CaptureFromHook(ra, pcs, kMaxStackDepth);
    w.Trace(std::span<const uintptr_t>(pcs, size_t(n)), 7);
  }
  w.Blank();
  w.Line("other info that might help us debug this:");
  w.Blank();
  std::vector<std::pair<ClassId, ClassId>> cycle = {{from, to}};
  for (uint32_t e : path) cycle.emplace_back(g.graph.at(e).from, g.graph.at(e).to);
  std::string chain = ClassName(to);
  for (uint32_t e : path) chain += " --> " + ClassName(g.graph.at(e).to);
  w.Line("Chain exists of:");
  w.Line("  %s", chain);
  w.Blank();
  w.Line(" Possible unsafe scenario:");
  w.Blank();
  size_t columns = std::min(cycle.size(), kMaxScenarioColumns);
  std::string header, rule;
  for (size_t c = 0; c < columns; ++c) {
    size_t at = c == 0 ? 7 : 31 * c;
    header.resize(at, ' ');
    rule.resize(at, ' ');
    header += "CPU" + std::to_string(c);
    rule += "----";
  }
  w.Line("%s", header);
  w.Line("%s", rule);
  std::vector<std::string> firsts(columns), seconds(columns);
  for (size_t c = 0; c < columns; ++c)
    Steps(cycle[c].first, cycle[c].second, &firsts[c], &seconds[c]);
  for (size_t c = 0; c < columns; ++c) w.Line("%s", Column(c, firsts[c]));
  for (size_t c = 0; c < columns; ++c) w.Line("%s", Column(c, seconds[c]));
  if (cycle.size() > columns) {
    w.Line("  (and %u more contexts along the chain above)", cycle.size() - columns);
  }
  w.Blank();
  w.Line(" *** DEADLOCK ***");
  w.Blank();
  w.HeldLocks(ts);
  w.CurrentStack(ra);
  w.Emit();
}

}  // namespace lockdep
