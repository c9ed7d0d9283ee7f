// A copy of the validator's graph, taken under the graph lock and then used
// outside it: symbolising and writing a dump never hold the lock. Addresses
// (keys, pcs) stay raw here; they mean something only inside this process.
#ifndef LOCKDEP_RUNTIME_GRAPH_SNAPSHOT_H_
#define LOCKDEP_RUNTIME_GRAPH_SNAPSHOT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/graph/lock_stat.h"
#include "runtime/graph/dependency_graph.h"

namespace lockdep {

struct GraphSnapshot {
  struct Class {
    uintptr_t key = 0;  // class key: key address + subclass
    uint8_t subclass = 0;
    std::string name;
    uint16_t usage = 0;
    uint32_t usage_trace[16] = {};  // traces index + 1, 0 = none
  };
  struct Edge {
    uint32_t from = 0, to = 0;  // classes indices
    uint8_t types = 0;
    uint32_t trace = 0;         // traces index + 1
    unsigned long ip = 0;       // where `to` was taken
    // The classes held besides `from` every time it was made (classes
    // indices + 1; 0 fills the rest), and the thread that made it (0 when
    // several or unknown): edge_context.h.
    uint32_t gates[kMaxGates] = {};
    int32_t thread = 0;
  };
  std::vector<Class> classes;
  std::vector<Edge> edges;
  std::vector<std::vector<uintptr_t>> traces;
  uint64_t chains = 0, stack_traces = 0, stack_trace_entries = 0, reports = 0;
  uint32_t max_lock_depth = 0;  // the deepest held-lock stack seen
  bool validation_off = false;
  bool lock_stat = false;
  std::vector<LockStatRecord> lock_stats;

  // Adds `other` (a later snapshot of this process): classes by key and
  // name, dependencies by their ends, kinds and usage OR-ed, first traces
  // kept; statistics and lock_stat figures (cumulative) taken from `other`.
  // This is how a graph survives ResetForTesting() between tests.
  void MergeFrom(const GraphSnapshot& other);
};

// ResetForTesting() calls this first: the recorder that asked
// (GraphRecorder::RecordBeforeEachReset) keeps the graph about to be erased.
void RecordGraphBeforeReset();

// Copies the graph. Holds the graph lock only while copying (no symbolising,
// no I/O). `wait_for_lock` false (for the abort path, where this thread may
// already hold the lock): tries the lock for a moment, then copies without it.
GraphSnapshot TakeGraphSnapshot(bool wait_for_lock = true);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_GRAPH_SNAPSHOT_H_
