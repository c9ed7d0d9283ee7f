#include "runtime/graph/wait_excuses.h"

#include <unordered_map>

namespace lockdep {
namespace {

struct EdgeExcuse {
  uint32_t from_generation;
  uint32_t to_generation;
  ExcuseSet set;
};

// Keyed by (from, to); an entry whose classes have moved on (a reset, a
// removed key) is stale and ignored.
std::unordered_map<uint32_t, EdgeExcuse>& Excuses()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  static auto* excuses = new std::unordered_map<uint32_t, EdgeExcuse>;
  return *excuses;
}

uint32_t EdgeKey(ClassId from, ClassId to) { return uint32_t(from) << 16 | to; }

uint32_t Generation(ClassId id) {
  return Graph().classes.at(id).generation.load(std::memory_order_relaxed);
}

const ExcuseSet* Find(ClassId from, ClassId to) ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  auto it = Excuses().find(EdgeKey(from, to));
  if (it == Excuses().end()) return nullptr;
  const EdgeExcuse& e = it->second;
  if (e.from_generation != Generation(from) || e.to_generation != Generation(to)) return nullptr;
  return &e.set;
}

}  // namespace

bool RecordWaitExcuse(ClassId from, ClassId to, const ExcuseSet& set, bool edge_is_new) {
  EdgeExcuse& e = Excuses()[EdgeKey(from, to)];
  bool stale = e.from_generation != Generation(from) || e.to_generation != Generation(to);
  if (edge_is_new || stale) {
    e = EdgeExcuse{Generation(from), Generation(to), set};
    return false;
  }
  ExcuseSet kept;
  for (int i = 0; i < e.set.n; ++i) {
    if (set.Contains(e.set.ids[i])) kept.ids[kept.n++] = e.set.ids[i];
  }
  bool shrank = kept.n != e.set.n;
  e.set = kept;
  return shrank;
}

bool CycleExcused(ClassId from, const ExcuseSet& new_edge,
                  const std::vector<uint32_t>& path) {
  GraphState& g = Graph();
  // The cycle's edges in order: the new one, then the path back to `from`.
  struct Step {
    ClassId from;
    const ExcuseSet* excuse;
  };
  std::vector<Step> steps;
  steps.push_back({from, &new_edge});
  for (uint32_t e : path) steps.push_back({g.graph.at(e).from, Find(g.graph.at(e).from, g.graph.at(e).to)});
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& prev = steps[(i + steps.size() - 1) % steps.size()];
    const Step& cur = steps[i];
    if (cur.excuse && cur.excuse->Contains(prev.from)) return true;
  }
  return false;
}

}  // namespace lockdep
