// The cycles a confirmation run steers towards (confirm_cycles=PATH): the
// simple cycles of a graph file's class graph, named by class so that a run
// of another process (another address layout) finds its own classes.
//
// Limits: at most kMaxTargetCycles cycles of at most kMaxCycleLength classes
// each, shortest first; a graph with more is cut there (said in the listing).
#ifndef LOCKDEP_RUNTIME_CONFIRM_TARGETS_H_
#define LOCKDEP_RUNTIME_CONFIRM_TARGETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/export/lockgraph.pb.h"

namespace lockdep {

inline constexpr int kMaxTargetCycles = 16;
inline constexpr int kMaxCycleLength = 8;

struct TargetClass {
  std::string name;
  uint32_t subclass = 0;
  bool operator==(const TargetClass&) const = default;
};

// "name", or "name/1" for a subclass (as reports print classes).
std::string TargetClassText(const TargetClass& c);

// Dependency i goes from classes[i] to classes[(i + 1) % size]; a cycle of
// one class is two instances of it taken in both orders.
struct TargetCycle {
  std::vector<TargetClass> classes;
  // "A -> B -> A", subclasses as "name/1" (as reports print classes).
  std::string Text() const;
};

struct TargetCycles {
  std::vector<TargetCycle> cycles;
  bool truncated = false;  // the graph had more than kMaxTargetCycles
};

// The simple cycles of `g` (each once), shortest first, then in class order.
// Cost: a bounded depth-first search per class; fine for graphs of
// thousands of classes as the length limit prunes it.
TargetCycles FindTargetCycles(const graph::Graph& g);

// Reads the graph file at `path` and finds its cycles. Errors as
// ReadGraphFile (graph_file.h).
absl::StatusOr<TargetCycles> LoadTargetCycles(const std::string& path);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_CONFIRM_TARGETS_H_
