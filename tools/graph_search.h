// Searches over a (merged) lock graph: class lookup by name, strongly
// connected components, cycles that are deadlocks under Linux's rules for
// readers, and shortest dependency chains. All linear in the graph's size,
// except that each reported cycle costs one breadth-first search inside its
// component (never a search that fails).
#ifndef LOCKDEP_TOOLS_GRAPH_SEARCH_H_
#define LOCKDEP_TOOLS_GRAPH_SEARCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/export/lockgraph.pb.h"
#include "tools/progress.h"

namespace lockdep::tools {

// Adjacency lists (dependency indices) of a graph. The graph must outlive it.
struct GraphIndex {
  explicit GraphIndex(const graph::Graph& g);
  const graph::Graph& g;
  std::vector<std::vector<uint32_t>> out;  // per class: dependencies from it
  std::vector<std::vector<uint32_t>> in;   // per class: dependencies into it
};

// The classes `spec` names: "name" (every class of that name and any
// subclass 0), "name/2" (subclass 2), or "name@file:line". NotFound, with a
// hint, when none.
absl::StatusOr<std::vector<uint32_t>> FindClasses(const graph::Graph& g, absl::string_view spec);

// Component id per class (Tarjan's algorithm, iterative); classes on no
// cycle get a component of their own.
std::vector<uint32_t> StronglyConnectedComponents(const GraphIndex& index, Progress* progress);

// What held for every dependency of a cycle when each was made (the
// runtime's edge context): the classes held at all of them (Goodlock's gate
// locks; the cycle cannot deadlock while one is held around it), and the
// one thread that took them all (0 when several, or unknown).
struct CycleContext {
  std::vector<uint32_t> gates;  // Graph.classes indices
  uint32_t thread = 0;
};
CycleContext ContextOfCycle(const graph::Graph& g, const std::vector<uint32_t>& cycle);

struct CycleSearch {
  std::vector<std::vector<uint32_t>> cycles;  // dependency indices, in order
  uint64_t dependencies_on_cycles = 0;        // dependencies on deadlock cycles
  bool truncated = false;                     // stopped at max_cycles
};

// Cycles that would deadlock (a -(*R)-> step is never followed by a -(S*)->
// step, Linux's strong-path rule, so read-read cycles of recursive readers do
// not count). Every dependency on such a cycle lies on at least one reported
// cycle, up to `max_cycles`. Each cycle is a shortest one through its first
// dependency. Cost: one pass (Tarjan) over the graph of (class, last step
// was a recursive read) states, then one breadth-first search inside a
// component per reported cycle: O(max_cycles * (classes + dependencies)) at
// worst, linear when the cycles are few or short.
CycleSearch FindCycles(const GraphIndex& index, size_t max_cycles, Progress* progress);

// A shortest chain of at least one dependency from any of `from` to any of
// `to` (breadth-first; kinds ignored; `from` and `to` may share classes, as
// in A -> B -> A). Empty when there is none.
std::vector<uint32_t> ShortestPath(const GraphIndex& index, const std::vector<uint32_t>& from,
                                   const std::vector<uint32_t>& to);

// Classes within `depth` dependencies of `centre` (either direction).
std::vector<bool> Neighbourhood(const GraphIndex& index, const std::vector<uint32_t>& centre,
                                int depth);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_GRAPH_SEARCH_H_
