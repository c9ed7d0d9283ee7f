// Inside the validator: the global graph state and the entry points that other
// runtime files call. The public hooks are in lockdep.h.
#ifndef LOCKDEP_RUNTIME_VALIDATOR_H_
#define LOCKDEP_RUNTIME_VALIDATOR_H_

#include <atomic>
#include <mutex>
#include <set>

#include "runtime/graph/chain_cache.h"
#include "runtime/graph/chain_check.h"
#include "runtime/graph/class_registry.h"
#include "runtime/graph/dependency_graph.h"
#include "runtime/base/internal_mutex.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/graph/thread_state.h"

namespace lockdep {

// Everything learnt about lock classes. The graph lock serialises every
// change; the compiler checks it for the fields marked ABSL_GUARDED_BY(mu).
struct GraphState {
  // The graph lock. Static, so the thread-safety analysis knows it as one
  // lock however a function reaches the state (Graph() or a GraphState&);
  // write it GraphState::mu, as the analysis takes `g.mu` for another one.
  // constinit: usable before main, as the state itself is.
  static inline constinit InternalMutex mu;
  // Not ABSL_GUARDED_BY: the fast path reads `classes` and `chains` with no
  // lock at all (the chain cache's whole point), through atomics. Their
  // writers still hold the graph lock (class_registry.h, chain_cache.h); the
  // compiler cannot check that half, as a guard covers reads too.
  ClassRegistry classes;
  ChainCache chains;
  DependencyGraph graph ABSL_GUARDED_BY(mu){&classes};
  // Not guarded either: it has its own lock (chain_check.h).
  ChainCheck chain_check;  // only filled with check_chains=1
  TraceStore traces ABSL_GUARDED_BY(mu);
  std::set<uintptr_t> dynamic_keys ABSL_GUARDED_BY(mu);  // registered lock_class_key addresses
  // Every usage bit any class has had since the last reset (never cleared
  // when a class goes: it only lets CheckIrqDependency skip searches that
  // cannot find anything).
  uint16_t usage_seen ABSL_GUARDED_BY(mu) = 0;
  // classes.removed_count() when the chain cache was last recycled.
  uint64_t removed_at_chain_flush ABSL_GUARDED_BY(mu) = 0;
};

// The graph state, allocated on first use (locks may be taken before main).
extern std::atomic<GraphState*> g_graph_state;
GraphState& CreateGraph();
inline GraphState& Graph() {
  GraphState* g = g_graph_state.load(std::memory_order_acquire);
  return __builtin_expect(g != nullptr, 1) ? *g : CreateGraph();
}

// The graph lock, held for a scope. Reports made meanwhile on this thread
// are queued and printed, logged and handed to the user's sink only after it
// is released (report_log.h), so a sink may call back into the runtime
// (ResetForTesting, lockdep_register_key) and halt_on_report never aborts
// with the lock held.
class ABSL_SCOPED_LOCKABLE GraphLock {
 public:
  GraphLock() ABSL_EXCLUSIVE_LOCK_FUNCTION(GraphState::mu);
  ~GraphLock() ABSL_UNLOCK_FUNCTION() { Unlock(); }
  // Releases early (then emits the queued reports); the destructor does
  // nothing more.
  void Unlock() ABSL_UNLOCK_FUNCTION();
  GraphLock(const GraphLock&) = delete;
  GraphLock& operator=(const GraphLock&) = delete;

 private:
  bool locked_ = true;
};

// Observers of every tracked acquire and release, set at start-up by a
// layer above the graph (the confirmation runs, runtime/confirm/), so the
// graph needs to know nothing of them. The acquire observer runs at the end
// of lock_acquire (the lock pushed, the real lock not yet taken), the release
// observer at the end of lock_release. Unset, each hook pays one relaxed load.
using AcquireObserver = void (*)(ThreadState& ts, lockdep_map* map, int trylock, int read,
                                 unsigned long ip, uintptr_t hook_return);
using ReleaseObserver = void (*)(ThreadState& ts);
extern std::atomic<AcquireObserver> g_acquire_observer;
extern std::atomic<ReleaseObserver> g_release_observer;
void SetLockObservers(AcquireObserver acquired, ReleaseObserver released);

// Off after a fixed limit is hit; read on every hook (relaxed).
extern std::atomic<bool> g_validation_enabled;

// The deepest held-lock stack any thread has had since start-up (Linux's
// max_lockdep_depth, /proc/lockdep_stats' "max locking depth"). Cost: a
// relaxed load.
uint32_t MaxLockDepthSeen();

// Forgets class `id` (lockdep_unregister_key, lockdep_free_key_range).
// Graph lock held.
void ForgetClass(GraphState& g, ClassId id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);

// Forgets every class, dependency, chain and trace, and the calling thread's
// held locks, and turns validation back on: the graph part of
// ResetForTesting() (process/reset.cc, which also records the graph for the
// dumps first and forgets the reports).
void ClearGraphForReset();

// Runs every lockdep_register_priming() function (after a reset).
void RunRegisteredPrimings();

// Runs the "lock held at thread exit" check for an ending thread.
void OnThreadExit(ThreadState& ts);

// Marks this thread as inside the validator for the scope: locks the runtime
// itself (or a report sink) takes are not tracked.
class InValidator {
 public:
  explicit InValidator(ThreadState& ts) : ts_(ts) { ++ts_.recursion; }
  ~InValidator() {
    --ts_.recursion;
    ts_.hook_ip = 0;
  }
  InValidator(const InValidator&) = delete;
  InValidator& operator=(const InValidator&) = delete;

 private:
  ThreadState& ts_;
};

// Lock acquisitions made by interrupt handlers that interrupted this thread
// inside the runtime: not tracked (see ThreadState::irq_entered_in_runtime),
// counted, and the count said at exit.
extern std::atomic<uint64_t> g_untracked_handler_acquisitions;

inline bool Tracking(const ThreadState& ts) {
  return g_validation_enabled.load(std::memory_order_relaxed) &&
         ts.recursion == 0 && ts.off_count == 0;
}

// The de-duplication identity of a class (its key; stable across id reuse).
inline uint64_t KeyId(ClassId id) {
  return Graph().classes.at(id).key.load(std::memory_order_relaxed);
}

// Captures the current stack (from the hook's caller) into the trace store;
// graph lock held. kNoTrace when traces are off or the store is full.
uint32_t SaveTrace(uintptr_t hook_return) ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);
// Stores an already captured trace (CaptureFromHook); graph lock held.
uint32_t SaveCapturedTrace(const uintptr_t* pcs, int n)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);

// Sets the usage bits `bits` of held's class that are new, with the checks
// Linux's mark_lock() makes. Takes the graph lock. Slow path.
void MarkUsage(ThreadState& ts, const HeldLock& held, uint16_t bits,
               uintptr_t hook_return) ABSL_LOCKS_EXCLUDED(GraphState::mu);

// Linux's check_irq_usage(): would prev -> next connect an irq-safe lock to
// an irq-unsafe one? Reports it and returns false. Graph lock held.
bool CheckIrqDependency(ThreadState& ts, const HeldLock& prev,
                        const HeldLock& next, uintptr_t hook_return)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);

// The class key of `map` at `subclass`: its key's address, or for DEFINE_*
// objects (no key) the map's own address, plus the subclass.
inline ClassKey KeyOf(const lockdep_map* map, unsigned subclass) {
  const void* base = map->key ? static_cast<const void*>(map->key)
                              : static_cast<const void*>(map);
  return reinterpret_cast<ClassKey>(base) + subclass;
}

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_VALIDATOR_H_
