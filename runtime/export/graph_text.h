// Text views of a lock graph (lockgraph.proto), in the layout of Linux's
// /proc/lockdep, /proc/lockdep_chains, /proc/lockdep_stats and /proc/lock_stat.
// Used by LOCKDEP_OPTIONS=dump_text and by `lockgraph text` / `lockgraph stat`.
// Pure functions of the graph: the same graph always gives the same text.
#ifndef LOCKDEP_RUNTIME_GRAPH_TEXT_H_
#define LOCKDEP_RUNTIME_GRAPH_TEXT_H_

#include <cstdint>
#include <string>

#include "runtime/export/lockgraph.pb.h"

namespace lockdep {

// "name", or "name/2" for subclass 2: the name reports use. A subclass-0
// class whose name ends in "/N" gets "/0" added, so that it never reads as
// subclass N of another class.
std::string GraphClassName(const graph::LockClass& c);
// Linux's per-class usage summary "{-.+.}" of a usage mask (runtime/graph/usage.h):
// per irq state (hard, soft), write then read: '+' taken with it enabled, '-'
// used in it, '?' both, '.' neither.
std::string UsageSummary(uint32_t usage_mask);
// Where the class's key is: "file:line", else its symbol, else "-".
std::string KeyLocationString(const graph::KeyLocation& key);
// Dependency kinds as Linux names them: "EN", "ER,SN" ("-" for none).
std::string DependencyKinds(uint32_t kinds);
// "function (file:line)"; "?" for an unknown frame.
std::string FrameString(const graph::Frame& frame);
// One line per shown frame of trace `trace` (index + 1; 0 appends
// "<no trace>"), each indented by `indent` spaces: the frames a report would
// show (runtime/stacks/frame_filter.h), every frame with `internal_frames`.
void AppendGraphTrace(std::string* out, const graph::Graph& graph, uint32_t trace,
                      int indent, bool internal_frames = false);

// Adds the durations of `t` to `into` (count, total, min, max).
void AddTimeStat(graph::TimeStat* into, const graph::TimeStat& t);

// The whole listing: the processes, every class with its dependencies, the
// chains, the statistics and, when lock_stat was on, the lock statistics.
std::string GraphText(const graph::Graph& graph);

// The lock_stat table alone, classes sorted by total wait time (then
// contentions, then name), each followed by its acquire sites. Times in
// microseconds, as /proc/lock_stat. Says so when there are no statistics.
std::string LockStatText(const graph::Graph& graph);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_GRAPH_TEXT_H_
