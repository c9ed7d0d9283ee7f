#include "runtime/reports/wait_reports.h"

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/reports/report_writer.h"

namespace lockdep {
namespace {

constexpr size_t kMaxScenarioColumns = 4;

std::string Named(const WaitClassRecord& c) { return c.event ? c.name + " [event]" : c.name; }

// What a context does for the dependency from -> to: first it gets (or is
// held in) one thing, then it needs the other, and cannot have it.
void Steps(const WaitClassRecord& from, const WaitClassRecord& to, std::string* first,
           std::string* second) {
  const std::string take_to =
      to.event ? to.wait_verb + "(" + to.name + ");" : "lock(" + to.name + ");";
  if (!from.event) {
    *first = "lock(" + from.name + ");";
    *second = take_to;
  } else {
    *first = take_to;
    *second = from.signal_verb + "(" + from.name + ");";
  }
}

std::string Column(size_t column, const std::string& text) {
  return std::string(column == 0 ? 2 : 31 * column, ' ') + text;
}

}  // namespace

void ReportCircularWait(const CircularWaitFinding& f) {
  ReportWriter w(ReportKind::kCircularWait,
                 "WARNING: possible circular wait dependency detected");
  w.AddClass(f.to.name);
  w.AddClass(f.from.name);
  for (size_t i = 0; i + 1 < f.chain.size(); ++i) w.AddClass(f.chain[i].to.name);

  if (f.doing == "signal") {
    w.Line("%s is signalling event:", f.task.name);
    w.Line(" (%s)", Named(f.from));
    w.Blank();
    w.Line("but to get there it had to take:");
    w.Line(" (%s)", Named(f.to));
    w.Blank();
    w.Line("which already depends on the event (a waiter for it holds it).");
  } else {
    w.Line("%s is trying to %s %s:", f.task.name,
           f.doing == "wait for" ? "wait for" : "acquire", f.to.event ? "event" : "lock");
    w.Line(" (%s)", Named(f.to));
    w.Blank();
    w.Line("but task is already holding lock:");
    if (f.held) {
      w.HeldLockLine(" ", *f.held);
    } else {
      w.Line(" (%s)", Named(f.from));
    }
    w.Blank();
    w.Line("which lock already depends on the new %s.",
           f.to.event ? "event (its signaller needs the lock first)" : "lock");
  }
  w.Blank();
  w.Blank();
  w.Line("the existing dependency chain (in reverse order) is:");
  for (size_t i = f.chain.size(); i-- > 0;) {
    const WaitDependencyRecord& d = f.chain[i];
    w.Blank();
    if (d.from.event) {
      w.Line("-> #%u (%s): taken before %s(%s):", i + 1, Named(d.to), d.from.signal_verb,
             d.from.name);
    } else {
      w.Line("-> #%u (%s):", i + 1, Named(d.to));
    }
    w.Trace(d.stack, 7);
  }
  w.Blank();
  w.Line("-> #0 (%s):", Named(f.to));
  w.Trace(f.new_stack, 7);
  w.Blank();
  w.Line("other info that might help us debug this:");
  w.Blank();
  std::vector<std::pair<const WaitClassRecord*, const WaitClassRecord*>> cycle = {
      {&f.from, &f.to}};
  for (const WaitDependencyRecord& d : f.chain) cycle.emplace_back(&d.from, &d.to);
  std::string chain = f.to.name;
  for (const WaitDependencyRecord& d : f.chain) chain += " --> " + d.to.name;
  w.Line("Chain exists of:");
  w.Line("  %s", chain);
  w.Blank();
  w.Line(" Possible unsafe scenario:");
  w.Blank();
  const size_t columns = std::min(cycle.size(), kMaxScenarioColumns);
  std::string header, rule;
  for (size_t c = 0; c < columns; ++c) {
    const size_t at = c == 0 ? 7 : 31 * c;
    header.resize(at, ' ');
    rule.resize(at, ' ');
    header += "CPU" + std::to_string(c);
    rule += "----";
  }
  w.Line("%s", header);
  w.Line("%s", rule);
  std::vector<std::string> firsts(columns), seconds(columns);
  for (size_t c = 0; c < columns; ++c) {
    Steps(*cycle[c].first, *cycle[c].second, &firsts[c], &seconds[c]);
  }
  for (size_t c = 0; c < columns; ++c) w.Line("%s", Column(c, firsts[c]));
  for (size_t c = 0; c < columns; ++c) w.Line("%s", Column(c, seconds[c]));
  if (cycle.size() > columns) {
    w.Line("  (and %u more contexts along the chain above)", cycle.size() - columns);
  }
  w.Blank();
  w.Line(" *** DEADLOCK ***");
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

}  // namespace lockdep
