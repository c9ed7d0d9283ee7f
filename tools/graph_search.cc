#include "tools/graph_search.h"

#include <algorithm>
#include <deque>

#include "absl/strings/str_cat.h"
#include "runtime/export/graph_text.h"

namespace lockdep::tools {
namespace {

constexpr uint32_t kSR = 1, kER = 2, kSN = 4, kEN = 8;
constexpr uint32_t kNone = UINT32_MAX;

}  // namespace

GraphIndex::GraphIndex(const graph::Graph& graph)
    : g(graph), out(size_t(graph.classes_size())), in(size_t(graph.classes_size())) {
  for (int i = 0; i < graph.dependencies_size(); ++i) {
    out[graph.dependencies(i).from()].push_back(uint32_t(i));
    in[graph.dependencies(i).to()].push_back(uint32_t(i));
  }
}

absl::StatusOr<std::vector<uint32_t>> FindClasses(const graph::Graph& g, absl::string_view spec) {
  std::vector<uint32_t> found;
  const size_t at = spec.rfind('@');
  for (int i = 0; i < g.classes_size(); ++i) {
    const graph::LockClass& c = g.classes(i);
    // The whole spec as a name first: names may contain '@'.
    bool match = spec == GraphClassName(c);
    if (!match && at != absl::string_view::npos && at > 0) {
      match = spec.substr(0, at) == GraphClassName(c) &&
              spec.substr(at + 1) == KeyLocationString(c.key());
    }
    if (match) found.push_back(uint32_t(i));
  }
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat("unknown lock class '", spec,
                                            "' (`lockgraph text FILE` lists the classes)"));
  }
  return found;
}

namespace {

// A directed graph in compressed rows: the edges of node v are
// targets[offsets[v] .. offsets[v + 1]).
struct Csr {
  std::vector<uint32_t> offsets{0};
  std::vector<uint32_t> targets;
  std::vector<uint32_t> labels;  // per edge: the dependency it stands for
  size_t nodes() const { return offsets.size() - 1; }
};

// Component id per node (Tarjan's algorithm, iterative). Linear.
std::vector<uint32_t> Components(const Csr& g, const char* phase, Progress* progress) {
  const size_t n = g.nodes();
  std::vector<uint32_t> comp(n, kNone), low(n, 0), order(n, kNone);
  std::vector<uint32_t> stack;
  std::vector<bool> on_stack(n, false);
  struct Frame {
    uint32_t v;
    uint32_t next;  // next edge to visit
  };
  std::vector<Frame> call;
  uint32_t counter = 0, components = 0;
  for (uint32_t root = 0; root < n; ++root) {
    if (order[root] != kNone) continue;
    call.push_back({root, g.offsets[root]});
    order[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!call.empty()) {
      progress->Step(phase, counter, n);
      Frame& f = call.back();
      if (f.next < g.offsets[f.v + 1]) {
        const uint32_t w = g.targets[f.next++];
        if (order[w] == kNone) {
          order[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          call.push_back({w, g.offsets[w]});
        } else if (on_stack[w]) {
          low[f.v] = std::min(low[f.v], order[w]);
        }
        continue;
      }
      const uint32_t v = f.v;
      call.pop_back();
      if (!call.empty()) low[call.back().v] = std::min(low[call.back().v], low[v]);
      if (low[v] == order[v]) {
        uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          comp[w] = components;
        } while (w != v);
        ++components;
      }
    }
  }
  return comp;
}

// The graph of (class, "the last step ended in a recursive read") states,
// node 2 * class + xr: one edge per dependency and way of taking it that
// Linux's strong-path rule allows (after a -(*R)-> step only -(E*)-> steps).
// A cycle here is a cycle that can deadlock, and every such cycle is one.
// Self-dependencies are left out: they are recursive locking, not an order.
Csr StateGraph(const GraphIndex& index) {
  const graph::Graph& g = index.g;
  Csr csr;
  const size_t n = index.out.size();
  csr.offsets.reserve(2 * n + 1);
  for (uint32_t v = 0; v < n; ++v) {
    for (uint32_t xr = 0; xr < 2; ++xr) {
      for (uint32_t e : index.out[v]) {
        const graph::Dependency& d = g.dependencies(int(e));
        if (d.from() == d.to()) continue;
        uint32_t kinds = d.kinds() ? d.kinds() : kEN;
        if (xr) kinds &= (kER | kEN);
        if (kinds & (kSN | kEN)) {
          csr.targets.push_back(2 * d.to());
          csr.labels.push_back(e);
        }
        if (kinds & (kSR | kER)) {
          csr.targets.push_back(2 * d.to() + 1);
          csr.labels.push_back(e);
        }
      }
      csr.offsets.push_back(uint32_t(csr.targets.size()));
    }
  }
  return csr;
}

// Shortest paths inside one component of a Csr, one search after another,
// each costing what it visits (no per-search clearing of the whole graph).
class ComponentBfs {
 public:
  ComponentBfs(const Csr& g, const std::vector<uint32_t>& comp)
      : g_(g), comp_(comp), parent_(g.nodes(), kNone) {}

  // Edge indices of a shortest path from `start` to `target` (same
  // component), or empty.
  std::vector<uint32_t> Path(uint32_t start, uint32_t target) {
    std::vector<uint32_t> path;
    std::deque<uint32_t> queue{start};
    touched_.push_back(start);
    parent_[start] = kRoot;
    bool found = start == target;
    while (!queue.empty() && !found) {
      const uint32_t v = queue.front();
      queue.pop_front();
      for (uint32_t k = g_.offsets[v]; k < g_.offsets[v + 1]; ++k) {
        const uint32_t w = g_.targets[k];
        if (comp_[w] != comp_[start] || parent_[w] != kNone) continue;
        parent_[w] = k;
        touched_.push_back(w);
        if (w == target) {
          found = true;
          break;
        }
        queue.push_back(w);
      }
    }
    if (found) {
      for (uint32_t v = target; parent_[v] != kRoot;) {
        const uint32_t k = parent_[v];
        path.push_back(k);
        v = EdgeSource(k);
      }
      std::reverse(path.begin(), path.end());
    }
    for (uint32_t v : touched_) parent_[v] = kNone;
    touched_.clear();
    return path;
  }

  uint32_t EdgeSource(uint32_t k) const {
    return uint32_t(std::upper_bound(g_.offsets.begin(), g_.offsets.end(), k) -
                    g_.offsets.begin() - 1);
  }

 private:
  static constexpr uint32_t kRoot = kNone - 1;
  const Csr& g_;
  const std::vector<uint32_t>& comp_;
  std::vector<uint32_t> parent_;  // edge into each node; kRoot at the start
  std::vector<uint32_t> touched_;
};

}  // namespace

std::vector<uint32_t> StronglyConnectedComponents(const GraphIndex& index, Progress* progress) {
  Csr csr;
  for (const std::vector<uint32_t>& edges : index.out) {
    for (uint32_t e : edges) {
      csr.targets.push_back(index.g.dependencies(int(e)).to());
      csr.labels.push_back(e);
    }
    csr.offsets.push_back(uint32_t(csr.targets.size()));
  }
  return Components(csr, "finding cycles: classes", progress);
}

CycleSearch FindCycles(const GraphIndex& index, size_t max_cycles, Progress* progress) {
  const graph::Graph& g = index.g;
  const Csr states = StateGraph(index);
  const std::vector<uint32_t> comp = Components(states, "finding cycles: classes", progress);
  // Per dependency, its state edges that lie on a strong cycle.
  std::vector<std::vector<uint32_t>> strong(size_t(g.dependencies_size()));
  for (uint32_t v = 0; v < states.nodes(); ++v) {
    for (uint32_t k = states.offsets[v]; k < states.offsets[v + 1]; ++k) {
      if (comp[v] == comp[states.targets[k]]) strong[states.labels[k]].push_back(k);
    }
  }
  CycleSearch result;
  for (const auto& edges : strong) result.dependencies_on_cycles += edges.empty() ? 0 : 1;
  ComponentBfs bfs(states, comp);
  std::vector<bool> covered(size_t(g.dependencies_size()), false);
  for (int i = 0; i < g.dependencies_size(); ++i) {
    progress->Step("finding cycles: dependencies", uint64_t(i), uint64_t(g.dependencies_size()));
    if (covered[size_t(i)] || strong[size_t(i)].empty()) continue;
    if (result.cycles.size() >= max_cycles) {
      result.truncated = true;
      break;
    }
    // The shortest cycle through any strong way of taking this dependency:
    // from the state it leads to back to the state it starts from.
    std::vector<uint32_t> best;
    for (uint32_t k : strong[size_t(i)]) {
      std::vector<uint32_t> p = bfs.Path(states.targets[k], bfs.EdgeSource(k));
      if (!p.empty() && (best.empty() || p.size() < best.size())) best = std::move(p);
    }
    std::vector<uint32_t> cycle{uint32_t(i)};
    for (uint32_t k : best) cycle.push_back(states.labels[k]);
    for (uint32_t e : cycle) covered[e] = true;
    result.cycles.push_back(std::move(cycle));
  }
  return result;
}

std::vector<uint32_t> ShortestPath(const GraphIndex& index, const std::vector<uint32_t>& from,
                                   const std::vector<uint32_t>& to) {
  const graph::Graph& g = index.g;
  std::vector<uint32_t> parent(index.out.size(), kNone);  // dependency into class
  std::vector<bool> seen(index.out.size(), false), target(index.out.size(), false);
  for (uint32_t t : to) target[t] = true;
  std::deque<uint32_t> queue;
  for (uint32_t f : from) {
    seen[f] = true;
    queue.push_back(f);
  }
  while (!queue.empty()) {
    const uint32_t v = queue.front();
    queue.pop_front();
    for (uint32_t e : index.out[v]) {
      const uint32_t w = g.dependencies(int(e)).to();
      // Before `seen`: a start may be a target too (A -> B -> A).
      if (target[w]) {
        std::vector<uint32_t> path{e};
        for (uint32_t c = v; parent[c] != kNone; c = g.dependencies(int(parent[c])).from()) {
          path.push_back(parent[c]);
        }
        std::reverse(path.begin(), path.end());
        return path;
      }
      if (seen[w]) continue;
      seen[w] = true;
      parent[w] = e;
      queue.push_back(w);
    }
  }
  return {};
}

std::vector<bool> Neighbourhood(const GraphIndex& index, const std::vector<uint32_t>& centre,
                                int depth) {
  const graph::Graph& g = index.g;
  std::vector<int> dist(index.out.size(), -1);
  std::deque<uint32_t> queue;
  for (uint32_t c : centre) {
    dist[c] = 0;
    queue.push_back(c);
  }
  while (!queue.empty()) {
    const uint32_t v = queue.front();
    queue.pop_front();
    if (dist[v] >= depth) continue;
    auto visit = [&](uint32_t w) {
      if (dist[w] >= 0) return;
      dist[w] = dist[v] + 1;
      queue.push_back(w);
    };
    for (uint32_t e : index.out[v]) visit(g.dependencies(int(e)).to());
    for (uint32_t e : index.in[v]) visit(g.dependencies(int(e)).from());
  }
  std::vector<bool> keep(index.out.size());
  for (size_t i = 0; i < keep.size(); ++i) keep[i] = dist[i] >= 0;
  return keep;
}

CycleContext ContextOfCycle(const graph::Graph& g, const std::vector<uint32_t>& cycle) {
  CycleContext out;
  if (cycle.empty()) return out;
  const graph::Dependency& first = g.dependencies(int(cycle.front()));
  out.gates.assign(first.gates().begin(), first.gates().end());
  out.thread = first.thread();
  for (uint32_t e : cycle) {
    const graph::Dependency& d = g.dependencies(int(e));
    std::erase_if(out.gates, [&](uint32_t c) {
      return std::find(d.gates().begin(), d.gates().end(), c) == d.gates().end();
    });
    if (d.thread() != out.thread || d.process() != first.process()) out.thread = 0;
  }
  return out;
}

}  // namespace lockdep::tools
