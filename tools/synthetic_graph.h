// Synthetic lock graphs of any size, for measuring lockgraph on large inputs
// (tools:gen_graph) and for the large-input test: a layered acyclic graph,
// as real lock orders mostly are, plus a chosen number of back edges, each of
// which closes exactly one known cycle.
#ifndef LOCKDEP_TOOLS_SYNTHETIC_GRAPH_H_
#define LOCKDEP_TOOLS_SYNTHETIC_GRAPH_H_

#include <cstdint>

#include "runtime/export/lockgraph.pb.h"

namespace lockdep::tools {

struct SyntheticSpec {
  uint32_t classes = 1000;
  uint64_t dependencies = 10000;  // including the back edges
  uint32_t cycles = 0;            // back edges, each closing one cycle
  uint32_t traces = 1000;         // distinct stack traces, 8 frames each
  uint64_t seed = 1;              // same seed, same graph
  const char* program = "synthetic";
  // Instead of the layered graph: one ring through every class, each
  // dependency -(SN)->, closed by one -(SR)->: one component the size of
  // the graph without any deadlock cycle (the worst case of a search per
  // dependency). `dependencies` and `cycles` are ignored.
  bool read_ring = false;
};

// Classes are named "class_<i>" with key file "gen.cc" line i, so graphs of
// different seeds share classes and merge. Back edge k goes from class
// 2k+1 to class 2k, after a forward edge 2k -> 2k+1.
graph::Graph SyntheticGraph(const SyntheticSpec& spec);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_SYNTHETIC_GRAPH_H_
