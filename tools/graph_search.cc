#include "tools/graph_search.h"

#include <algorithm>
#include <deque>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "runtime/graph_text.h"

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
    bool match;
    if (at != absl::string_view::npos && at > 0) {
      match = spec.substr(0, at) == GraphClassName(c) &&
              spec.substr(at + 1) == KeyLocationString(c.key());
    } else {
      match = spec == GraphClassName(c);
    }
    if (match) found.push_back(uint32_t(i));
  }
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat("unknown lock class '", spec,
                                            "' (`lockgraph text FILE` lists the classes)"));
  }
  return found;
}

std::vector<uint32_t> StronglyConnectedComponents(const GraphIndex& index, Progress* progress) {
  const size_t n = index.out.size();
  std::vector<uint32_t> comp(n, kNone), low(n, 0), order(n, kNone);
  std::vector<uint32_t> stack;
  std::vector<bool> on_stack(n, false);
  struct Frame {
    uint32_t v;
    size_t next;  // next out-edge to visit
  };
  std::vector<Frame> call;
  uint32_t counter = 0, components = 0;
  for (uint32_t root = 0; root < n; ++root) {
    if (order[root] != kNone) continue;
    call.push_back({root, 0});
    order[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!call.empty()) {
      progress->Step("finding cycles: classes", counter, n);
      Frame& f = call.back();
      const auto& edges = index.out[f.v];
      if (f.next < edges.size()) {
        const uint32_t w = index.g.dependencies(int(edges[f.next++])).to();
        if (order[w] == kNone) {
          order[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          call.push_back({w, 0});
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

namespace {

// Breadth-first search over (class, "last step ended only in a recursive
// read") states along dependencies inside one component, from `start` to
// `target`. `first_xr`: the state at start. `need_n`: the last step into
// target must end in a non-recursive take. Returns the path's dependencies.
std::vector<uint32_t> StrongPath(const GraphIndex& index, const std::vector<uint32_t>& comp,
                                 uint32_t start, bool first_xr, uint32_t target, bool need_n) {
  const graph::Graph& g = index.g;
  struct State {
    uint32_t cls;
    bool xr;
  };
  // Parent dependency (+1) per state; visited when set.
  absl::flat_hash_map<uint64_t, uint64_t> parent;
  auto key = [](uint32_t c, bool xr) { return uint64_t(c) << 1 | (xr ? 1 : 0); };
  std::deque<State> queue{{start, first_xr}};
  parent[key(start, first_xr)] = 0;
  while (!queue.empty()) {
    const State s = queue.front();
    queue.pop_front();
    for (uint32_t e : index.out[s.cls]) {
      const graph::Dependency& d = g.dependencies(int(e));
      if (comp[d.to()] != comp[start]) continue;
      uint32_t kinds = d.kinds() ? d.kinds() : kEN;
      if (s.xr) kinds &= (kER | kEN);
      if (!kinds) continue;
      const bool xr = !(kinds & (kSN | kEN));
      if (d.to() == target && (!need_n || !xr)) {
        std::vector<uint32_t> path{e};
        for (uint64_t k = key(s.cls, s.xr); parent[k] != 0;) {
          const uint32_t pe = uint32_t((parent[k] >> 1) - 1);
          path.push_back(pe);
          const graph::Dependency& p = g.dependencies(int(pe));
          k = key(p.from(), parent[k] & 1);
        }
        std::reverse(path.begin(), path.end());
        return path;
      }
      auto [it, added] = parent.try_emplace(key(d.to(), xr), (uint64_t(e) + 1) << 1 | (s.xr ? 1 : 0));
      if (added) queue.push_back({d.to(), xr});
    }
  }
  return {};
}

}  // namespace

CycleSearch FindCycles(const GraphIndex& index, size_t max_cycles, Progress* progress) {
  const graph::Graph& g = index.g;
  const std::vector<uint32_t> comp = StronglyConnectedComponents(index, progress);
  CycleSearch result;
  std::vector<bool> covered(size_t(g.dependencies_size()), false);
  for (int i = 0; i < g.dependencies_size(); ++i) {
    const graph::Dependency& d = g.dependencies(i);
    if (comp[d.from()] == comp[d.to()] && d.from() != d.to()) ++result.dependencies_on_cycles;
  }
  for (int i = 0; i < g.dependencies_size(); ++i) {
    progress->Step("finding cycles: dependencies", uint64_t(i), uint64_t(g.dependencies_size()));
    const graph::Dependency& d = g.dependencies(i);
    if (covered[size_t(i)] || comp[d.from()] != comp[d.to()] || d.from() == d.to()) continue;
    if (result.cycles.size() >= max_cycles) {
      result.truncated = true;
      break;
    }
    const uint32_t kinds = d.kinds() ? d.kinds() : kEN;
    // Starting with an exclusive hold (E*), anything may close the cycle;
    // starting with a shared one (S*), the closing step must end in N.
    std::vector<uint32_t> best;
    if (uint32_t k = kinds & (kER | kEN)) {
      best = StrongPath(index, comp, d.to(), !(k & kEN), d.from(), false);
    }
    if (uint32_t k = kinds & (kSR | kSN)) {
      std::vector<uint32_t> p = StrongPath(index, comp, d.to(), !(k & kSN), d.from(), true);
      if (!p.empty() && (best.empty() || p.size() < best.size())) best = std::move(p);
    }
    if (best.empty()) continue;  // only read-read cycles through this one
    best.insert(best.begin(), uint32_t(i));
    for (uint32_t e : best) covered[e] = true;
    result.cycles.push_back(std::move(best));
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
      if (seen[w]) continue;
      seen[w] = true;
      parent[w] = e;
      if (target[w]) {
        std::vector<uint32_t> path;
        for (uint32_t c = w; parent[c] != kNone; c = g.dependencies(int(parent[c])).from()) {
          path.push_back(parent[c]);
        }
        std::reverse(path.begin(), path.end());
        return path;
      }
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

}  // namespace lockdep::tools
