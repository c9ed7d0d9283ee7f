#include "runtime/export/graph_text.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "runtime/stacks/frame_filter.h"

namespace lockdep {
namespace {

std::string ProcessLine(const graph::Process& p) {
  std::string line = absl::StrFormat("%s (pid %u", p.program().empty() ? "?" : p.program(),
                                     p.pid());
  if (p.time_unix_ns() != 0) {
    absl::StrAppend(&line, ", ",
                    absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                                     absl::FromUnixNanos(p.time_unix_ns()), absl::UTCTimeZone()));
  }
  if (!p.path().empty()) absl::StrAppend(&line, ", ", p.path());
  return line + ")";
}

// Microseconds with two decimals, as /proc/lock_stat prints them.
std::string Micros(uint64_t ns) { return absl::StrFormat("%.2f", double(ns) / 1000.0); }

uint64_t Avg(const graph::TimeStat& t) { return t.count() ? t.total_ns() / t.count() : 0; }

}  // namespace

void AddTimeStat(graph::TimeStat* into, const graph::TimeStat& t) {
  if (t.count() == 0) return;
  into->set_min_ns(into->count() ? std::min(into->min_ns(), t.min_ns()) : t.min_ns());
  into->set_max_ns(std::max(into->max_ns(), t.max_ns()));
  into->set_count(into->count() + t.count());
  into->set_total_ns(into->total_ns() + t.total_ns());
}

namespace {

std::string StatColumns(uint64_t contentions, const graph::TimeStat& wait, uint64_t acquisitions,
                        const graph::TimeStat& hold) {
  return absl::StrFormat("%14u %14s %14s %14s %14s %14u %14s %14s %14s %14s", contentions,
                         Micros(wait.min_ns()), Micros(wait.max_ns()), Micros(wait.total_ns()),
                         Micros(Avg(wait)), acquisitions, Micros(hold.min_ns()),
                         Micros(hold.max_ns()), Micros(hold.total_ns()), Micros(Avg(hold)));
}

}  // namespace

std::string GraphClassName(const graph::LockClass& c) {
  if (c.subclass() != 0) return absl::StrCat(c.name(), "/", c.subclass());
  // A name that itself ends in "/N" would read as subclass N of another.
  const size_t slash = c.name().rfind('/');
  if (slash != std::string::npos && slash + 1 < c.name().size() &&
      c.name().find_first_not_of("0123456789", slash + 1) == std::string::npos) {
    return absl::StrCat(c.name(), "/0");
  }
  return c.name();
}

std::string UsageSummary(uint32_t usage) {
  std::string s = "{";
  for (int state = 0; state < 2; ++state) {
    for (int r = 0; r <= 1; ++r) {
      const bool in = usage & (1u << (4 * state + r));
      const bool on = usage & (1u << (4 * state + 2 + r));
      s += on ? (in ? '?' : '+') : (in ? '-' : '.');
    }
  }
  return s + "}";
}

std::string KeyLocationString(const graph::KeyLocation& key) {
  if (!key.file().empty()) return absl::StrCat(key.file(), ":", key.line());
  if (!key.symbol().empty()) return key.symbol();
  return "-";
}

std::string DependencyKinds(uint32_t kinds) {
  static constexpr const char* kNames[] = {"SR", "ER", "SN", "EN"};
  std::vector<const char*> names;
  for (int i = 3; i >= 0; --i) {
    if (kinds & (1u << i)) names.push_back(kNames[i]);
  }
  return names.empty() ? "-" : absl::StrJoin(names, ",");
}

std::string FrameString(const graph::Frame& frame) {
  std::string s = frame.function().empty() ? "?" : frame.function();
  if (!frame.file().empty()) absl::StrAppend(&s, " (", frame.file(), ":", frame.line(), ")");
  return s;
}

void AppendGraphTrace(std::string* out, const graph::Graph& graph, uint32_t trace, int indent,
                      bool internal_frames) {
  const std::string pad(size_t(std::max(indent, 0)), ' ');
  if (trace == 0 || trace > uint32_t(graph.traces_size())) {
    absl::StrAppend(out, pad, "<no trace>\n");
    return;
  }
  const auto& frames = graph.traces(int(trace - 1)).frames();
  std::vector<FrameFlags> flags;
  for (const graph::Frame& f : frames) flags.push_back({f.internal(), f.inlined_caller()});
  const std::vector<bool> shown = ShownFrames(flags, internal_frames);
  for (int i = 0; i < frames.size(); ++i) {
    if (shown[size_t(i)]) absl::StrAppend(out, pad, FrameString(frames[i]), "\n");
  }
}

std::string GraphText(const graph::Graph& graph) {
  std::string out;
  for (const graph::Process& p : graph.processes()) {
    absl::StrAppend(&out, "lock graph of ", ProcessLine(p), "\n");
  }
  // Each class's outgoing dependencies, in file order.
  std::vector<std::vector<int>> after(size_t(graph.classes_size()));
  for (int i = 0; i < graph.dependencies_size(); ++i) {
    after[graph.dependencies(i).from()].push_back(i);
  }
  absl::StrAppend(&out, "\nall lock classes:\n");
  for (int i = 0; i < graph.classes_size(); ++i) {
    const graph::LockClass& c = graph.classes(i);
    absl::StrAppendFormat(&out, "[%s] FD: %4u BD: %4u %s: %s\n", KeyLocationString(c.key()),
                          c.forward_deps(), c.backward_deps(),
                          c.usage().empty() ? "{....}" : c.usage(), GraphClassName(c));
    for (int e : after[size_t(i)]) {
      const graph::Dependency& d = graph.dependencies(e);
      absl::StrAppendFormat(&out, " -> [%s] %s\n", DependencyKinds(d.kinds()),
                            GraphClassName(graph.classes(int(d.to()))));
    }
  }
  absl::StrAppend(&out, "\nall lock chains:\n");
  if (graph.chains_size() == 0) {
    absl::StrAppend(&out, "(", graph.stats().chains(),
                    " chains validated; their class lists are not recorded)\n");
  }
  for (const graph::Chain& chain : graph.chains()) {
    absl::StrAppend(&out, "irq_context: ", chain.irq_context(), "\n");
    for (uint32_t c : chain.classes()) {
      absl::StrAppend(&out, "[", KeyLocationString(graph.classes(int(c)).key()), "] ",
                      GraphClassName(graph.classes(int(c))), "\n");
    }
    absl::StrAppend(&out, "\n");
  }
  const graph::Stats& s = graph.stats();
  const graph::Limits& l = graph.limits();
  absl::StrAppend(&out, "\nlockdep_stats:\n");
  // The limits are one process's: a merge of several runs may pass them.
  const char* per = graph.processes_size() > 1 ? " per run" : "";
  auto row = [&](const char* name, uint64_t value, uint64_t max) {
    if (max) {
      absl::StrAppendFormat(&out, " %-30s %11u [max%s: %u]\n", name, value, per, max);
    } else {
      absl::StrAppendFormat(&out, " %-30s %11u\n", name, value);
    }
  };
  row("lock-classes:", s.classes(), l.max_classes());
  row("direct dependencies:", s.dependencies(), l.max_dependencies());
  row("dependency chains:", s.chains(), l.max_chains());
  row("stack-trace entries:", s.stack_trace_entries(), l.max_trace_entries());
  row("number of stack traces:", s.stack_traces(), l.max_traces());
  row("max locking depth:", s.max_lock_depth(), l.max_lock_depth());
  row("reports:", s.reports(), 0);
  absl::StrAppend(&out, " debug_locks:                   ", s.validation_off() ? "          0" : "          1",
                  "\n");
  if (s.lock_stat()) absl::StrAppend(&out, "\n", LockStatText(graph));
  return out;
}

std::string LockStatText(const graph::Graph& graph) {
  struct Row {
    int index;
    uint64_t contentions = 0, acquisitions = 0;
    graph::TimeStat wait, hold;
  };
  std::vector<Row> rows;
  for (int i = 0; i < graph.classes_size(); ++i) {
    const graph::LockClass& c = graph.classes(i);
    if (c.stats_size() == 0) continue;
    Row r;
    r.index = i;
    for (const graph::LockStat& st : c.stats()) {
      r.contentions += st.contentions();
      r.acquisitions += st.acquisitions();
      AddTimeStat(&r.wait, st.wait());
      AddTimeStat(&r.hold, st.hold());
    }
    rows.push_back(r);
  }
  if (rows.empty()) {
    return "lock_stat: no lock statistics in this graph (run with LOCKDEP_OPTIONS=lock_stat=1)\n";
  }
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (a.wait.total_ns() != b.wait.total_ns()) return a.wait.total_ns() > b.wait.total_ns();
    if (a.contentions != b.contentions) return a.contentions > b.contentions;
    return GraphClassName(graph.classes(a.index)) < GraphClassName(graph.classes(b.index));
  });
  std::string out = "lock_stat version 0.4 (times in microseconds)\n";
  const std::string rule(240, '-');
  absl::StrAppend(&out, rule, "\n");
  absl::StrAppendFormat(&out, "%40s %14s %14s %14s %14s %14s %14s %14s %14s %14s %14s\n",
                        "class name", "contentions", "waittime-min", "waittime-max",
                        "waittime-total", "waittime-avg", "acquisitions", "holdtime-min",
                        "holdtime-max", "holdtime-total", "holdtime-avg");
  absl::StrAppend(&out, rule, "\n");
  for (const Row& r : rows) {
    const graph::LockClass& c = graph.classes(r.index);
    absl::StrAppendFormat(&out, "\n%40s %s\n", GraphClassName(c) + ":",
                          StatColumns(r.contentions, r.wait, r.acquisitions, r.hold));
    absl::StrAppendFormat(&out, "%40s\n", std::string(GraphClassName(c).size() + 1, '-'));
    std::vector<const graph::LockStat*> sites;
    for (const graph::LockStat& st : c.stats()) sites.push_back(&st);
    std::stable_sort(sites.begin(), sites.end(), [](const auto* a, const auto* b) {
      return a->wait().total_ns() > b->wait().total_ns();
    });
    for (const graph::LockStat* st : sites) {
      absl::StrAppendFormat(&out, "%40s %s\n", "",
                            StatColumns(st->contentions(), st->wait(), st->acquisitions(),
                                        st->hold()));
      absl::StrAppendFormat(&out, "%40s   at %s\n", "", FrameString(st->site()));
    }
  }
  absl::StrAppend(&out, "\n", rule, "\n");
  return out;
}

}  // namespace lockdep
