#include "runtime/export/graph_snapshot.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "runtime/reports/report_log.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

// Copies trace `id` of the store into `out` once; returns its index + 1.
class TraceCopier {
 public:
  TraceCopier(const TraceStore& store, std::vector<std::vector<uintptr_t>>* out)
      : store_(store), out_(out) {}
  uint32_t Copy(uint32_t id) {
    if (id == kNoTrace) return 0;
    auto [it, added] = index_.try_emplace(id, 0);
    if (added) {
      std::span<const uintptr_t> pcs = store_.Get(id);
      out_->emplace_back(pcs.begin(), pcs.end());
      it->second = uint32_t(out_->size());
    }
    return it->second;
  }

 private:
  const TraceStore& store_;
  std::vector<std::vector<uintptr_t>>* out_;
  absl::flat_hash_map<uint32_t, uint32_t> index_;
};

void CopyGraph(GraphState& g, GraphSnapshot* s)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  TraceCopier traces(g.traces, &s->traces);
  std::vector<uint32_t> index(kMaxClasses + 1, UINT32_MAX);
  for (ClassId id = 1; id <= kMaxClasses; ++id) {
    const LockClass& c = g.classes.at(id);
    const ClassKey key = c.key.load(std::memory_order_acquire);
    if (key == 0) continue;
    GraphSnapshot::Class out;
    out.key = key;
    out.subclass = c.subclass;
    out.name.assign(c.name, strnlen(c.name, sizeof(c.name)));
    out.usage = c.usage.load(std::memory_order_relaxed);
    for (int b = 0; b < 16; ++b) out.usage_trace[b] = traces.Copy(c.usage_trace[b]);
    index[id] = uint32_t(s->classes.size());
    s->classes.push_back(std::move(out));
  }
  for (ClassId id = 1; id <= kMaxClasses; ++id) {
    if (index[id] == UINT32_MAX) continue;
    // The lists are newest first; dumps list dependencies in the order learnt.
    const size_t first = s->edges.size();
    g.graph.ForEachAfter(id, [&](uint32_t, const Dependency& d) {
      if (d.to > kMaxClasses || index[d.to] == UINT32_MAX) return;
      GraphSnapshot::Edge& e =
          s->edges.emplace_back(GraphSnapshot::Edge{index[id], index[d.to], d.types,
                                                    traces.Copy(d.trace), d.ip});
      int n = 0;
      for (ClassId gate : d.gates) {
        if (gate != kNoClass && gate <= kMaxClasses && index[gate] != UINT32_MAX) {
          e.gates[n++] = index[gate] + 1;
        }
      }
      e.thread = d.thread > 0 ? d.thread : 0;
    });
    std::reverse(s->edges.begin() + long(first), s->edges.end());
  }
  s->chains = g.chains.size();
  s->stack_traces = g.traces.trace_count();
  s->stack_trace_entries = g.traces.entry_count();
}

// The abort path's last resort when the lock stays taken: a copy racing with
// its holder, which may be this very thread (halt_on_report), is better than
// none. Outside the analysis, which rightly refuses an unlocked copy.
void CopyGraphUnlocked(GraphState& g, GraphSnapshot* s) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  CopyGraph(g, s);
}

// Waits up to about 50 ms for the lock: an exit-time dump must not hang on a
// lock some thread will never release (halt_on_report, a stuck thread).
// Outside the analysis: it cannot follow a lock taken inside a retry loop.
bool TryLockBriefly(InternalMutex& mu) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true, mu)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (int i = 0; i < 50; ++i) {
    if (mu.try_lock()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace

GraphSnapshot TakeGraphSnapshot(bool wait_for_lock) {
  GraphSnapshot s;
  GraphState& g = Graph();
  if (wait_for_lock) {
    InternalLock lock(GraphState::mu);
    CopyGraph(g, &s);
  } else if (TryLockBriefly(GraphState::mu)) {
    CopyGraph(g, &s);
    GraphState::mu.unlock();
  } else {
    CopyGraphUnlocked(g, &s);
  }
  s.reports = TotalReports();
  s.max_lock_depth = MaxLockDepthSeen();
  s.validation_off = !ValidationEnabled();
  s.lock_stat = LockStatOn();
  if (s.lock_stat) s.lock_stats = LockStatSnapshot();
  return s;
}

void GraphSnapshot::MergeFrom(const GraphSnapshot& other) {
  std::map<std::pair<uintptr_t, std::string>, uint32_t> class_index;
  for (uint32_t i = 0; i < classes.size(); ++i) class_index[{classes[i].key, classes[i].name}] = i;
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> edge_index;
  for (uint32_t i = 0; i < edges.size(); ++i) edge_index[{edges[i].from, edges[i].to}] = i;
  std::vector<uint32_t> trace_map(other.traces.size() + 1, 0);
  auto trace = [&](uint32_t t) {
    if (t == 0 || t > other.traces.size()) return 0u;
    if (trace_map[t] == 0) {
      traces.push_back(other.traces[t - 1]);
      trace_map[t] = uint32_t(traces.size());
    }
    return trace_map[t];
  };
  std::vector<uint32_t> remap(other.classes.size());
  for (uint32_t i = 0; i < other.classes.size(); ++i) {
    const Class& c = other.classes[i];
    auto [it, added] = class_index.try_emplace({c.key, c.name}, uint32_t(classes.size()));
    if (added) {
      Class copy = c;
      for (uint32_t& t : copy.usage_trace) t = trace(t);
      classes.push_back(std::move(copy));
    } else {
      Class& mine = classes[it->second];
      mine.usage |= c.usage;
      for (int b = 0; b < 16; ++b) {
        if (mine.usage_trace[b] == 0) mine.usage_trace[b] = trace(c.usage_trace[b]);
      }
    }
    remap[i] = it->second;
  }
  for (const Edge& e : other.edges) {
    const uint32_t from = remap[e.from], to = remap[e.to];
    auto [it, added] = edge_index.try_emplace({from, to}, uint32_t(edges.size()));
    if (added) {
      Edge copy = e;
      copy.from = from;
      copy.to = to;
      copy.trace = trace(e.trace);
      for (uint32_t& g : copy.gates) g = g ? remap[g - 1] + 1 : 0;
      edges.push_back(copy);
    } else {
      // What was true every time, in both: gates in each, one same thread.
      Edge& mine = edges[it->second];
      mine.types |= e.types;
      for (uint32_t& g : mine.gates) {
        bool kept = false;
        for (uint32_t theirs : e.gates) kept = kept || (theirs && remap[theirs - 1] + 1 == g);
        if (!kept) g = 0;
      }
      if (mine.thread != e.thread) mine.thread = 0;
    }
  }
  chains = std::max(chains, other.chains);
  stack_traces = std::max(stack_traces, other.stack_traces);
  stack_trace_entries = std::max(stack_trace_entries, other.stack_trace_entries);
  reports = std::max(reports, other.reports);
  max_lock_depth = std::max(max_lock_depth, other.max_lock_depth);
  validation_off = validation_off || other.validation_off;
  lock_stat = lock_stat || other.lock_stat;
  if (other.lock_stat) lock_stats = other.lock_stats;
}

}  // namespace lockdep
