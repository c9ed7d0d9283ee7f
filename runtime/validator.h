// Inside the validator: the global graph state and the entry points that other
// runtime files call. The public hooks are in lockdep.h.
#ifndef LOCKDEP_RUNTIME_VALIDATOR_H_
#define LOCKDEP_RUNTIME_VALIDATOR_H_

#include <atomic>
#include <mutex>
#include <set>

#include "runtime/chain_cache.h"
#include "runtime/class_registry.h"
#include "runtime/dependency_graph.h"
#include "runtime/stack_trace.h"
#include "runtime/thread_state.h"

namespace lockdep {

// Everything learnt about lock classes. The graph lock serialises every
// change; the fast path reads `classes` and `chains` lock-free.
struct GraphState {
  std::mutex mu;  // the graph lock
  ClassRegistry classes;
  DependencyGraph graph{&classes};
  ChainCache chains;
  TraceStore traces;
  std::set<uintptr_t> dynamic_keys;  // registered lock_class_key addresses
};

// The graph state, allocated on first use (locks may be taken before main).
extern std::atomic<GraphState*> g_graph_state;
GraphState& CreateGraph();
inline GraphState& Graph() {
  GraphState* g = g_graph_state.load(std::memory_order_acquire);
  return __builtin_expect(g != nullptr, 1) ? *g : CreateGraph();
}

// Off after a fixed limit is hit; read on every hook (relaxed).
extern std::atomic<bool> g_validation_enabled;

// Runs the "lock held at thread exit" check for an ending thread.
void OnThreadExit(ThreadState& ts);

// The class key of `map` at `subclass`: its key's address, or for DEFINE_*
// objects (no key) the map's own address, plus the subclass.
inline ClassKey KeyOf(const lockdep_map* map, unsigned subclass) {
  const void* base = map->key ? static_cast<const void*>(map->key)
                              : static_cast<const void*>(map);
  return reinterpret_cast<ClassKey>(base) + subclass;
}

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_VALIDATOR_H_
