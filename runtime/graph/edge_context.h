// What was true every time a dependency was made, besides its two classes:
// the other classes held (Goodlock's "gate locks": a cycle whose every
// dependency was made under one common lock cannot deadlock while that
// holds) and the thread that made it. Reports and `lockgraph cycles` say
// so; lockdep keeps reporting such cycles (its rule is about order, and a
// gate is often incidental).
//
// Kept on the slow path only: a dependency is visited again whenever a
// chain not in the chain cache has it, and every distinct held-lock stack
// is a distinct chain, so every distinct set of held classes is seen. The
// thread is weaker: a second thread whose chain is already cached is not
// seen, so "one thread" is a hint (docs/confirm.md), never a proof.
//
// Limits: kMaxGates classes per dependency (the outermost held); all graph
// lock held.
#ifndef LOCKDEP_RUNTIME_EDGE_CONTEXT_H_
#define LOCKDEP_RUNTIME_EDGE_CONTEXT_H_

#include <string>
#include <vector>

#include "runtime/graph/dependency_graph.h"
#include "runtime/graph/thread_state.h"

namespace lockdep {

// A dependency prev -> next just made by the thread `ts` (holding
// ts.held[0..depth), next not pushed yet): its first context.
void NoteFirstContext(Dependency& d, const ThreadState& ts, const HeldLock& prev);
// The same dependency made again: keeps only what is still true.
void NoteContextAgain(Dependency& d, const ThreadState& ts, const HeldLock& prev);

// What held for every dependency of a cycle: `path` (edges of `graph`)
// closed by prev -> next, which `ts` is making now. `gates`: the classes
// held around all of them (names, outermost first); `one_thread`: all were
// made by this thread. The report says each (reports/lock_reports.cc).
void CycleContext(const DependencyGraph& graph, const std::vector<uint32_t>& path,
                  const ThreadState& ts, const HeldLock& prev, std::vector<std::string>* gates,
                  bool* one_thread);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_EDGE_CONTEXT_H_
