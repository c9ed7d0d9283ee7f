// What one lock graph adds to another, for `lockgraph diff BASE NEW` in CI.
//
// Classes are matched in two steps. First by identity (ClassIdentity: the
// same key in another run or another binary built from the same source).
// Then, among the classes left over on both sides, by everything but the
// line: name, subclass, key file, key symbol, compilation unit and offset
// in the key variable; several with one such key are paired in line order.
// So a class whose definition only moved (lines added above it) is the same
// class, while a class with a new name, a new symbol or in another file is
// new. Registered heap keys, which have no file or symbol, are paired by
// name this way too: the best a diff across runs can do.
//
// A dependency is new when BASE has none between the matched classes, or
// when one of its kinds is stronger than every kind BASE's has: a holder
// that became exclusive (S -> E) or a take that stopped being a recursive
// read (R -> N). Those are the changes that can make a deadlock.
#ifndef LOCKDEP_TOOLS_GRAPH_DIFF_H_
#define LOCKDEP_TOOLS_GRAPH_DIFF_H_

#include <cstdint>
#include <vector>

#include "runtime/export/lockgraph.pb.h"

namespace lockdep::tools {

struct GraphDiff {
  std::vector<uint32_t> new_classes;       // NEW's class indices
  std::vector<uint32_t> new_dependencies;  // NEW's dependency indices
  // Per new_dependencies entry: the kinds BASE had (0: no dependency at all).
  std::vector<uint32_t> base_kinds;
  uint64_t moved_classes = 0;  // matched without their line
};

// Whether every kind in `kinds` is at most as strong as one in `base`.
bool KindsCovered(uint32_t base, uint32_t kinds);

// Cost: linear in the two graphs' sizes (plus sorting leftovers by line).
GraphDiff DiffGraphs(const graph::Graph& base, const graph::Graph& now);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_GRAPH_DIFF_H_
