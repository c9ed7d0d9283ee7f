// Graphviz DOT of a lock graph: classes as nodes labelled with their name and
// usage, dependencies as edges labelled with their kinds, every dependency on
// a deadlock cycle (and its classes) in red, the classes a report names in
// orange, and on request a legend that explains each of these.
#ifndef LOCKDEP_TOOLS_GRAPH_DOT_H_
#define LOCKDEP_TOOLS_GRAPH_DOT_H_

#include <string>
#include <vector>

#include "runtime/export/lockgraph.pb.h"
#include "tools/graph_search.h"

namespace lockdep::tools {

struct DotOptions {
  // Keep only these classes (empty: all) ...
  std::vector<bool> keep;
  // ... and, when true, only classes and dependencies on cycles.
  bool cycles_only = false;
  // Classes to draw in orange (e.g. those a report names; empty: none).
  std::vector<bool> marked;
  // A box explaining the colours, the usage summary and the kinds.
  bool legend = false;
};

// DOT text that `dot -Tsvg` accepts. Pure; the same graph gives the same text.
std::string GraphDot(const GraphIndex& index, const CycleSearch& cycles, const DotOptions& options);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_GRAPH_DOT_H_
