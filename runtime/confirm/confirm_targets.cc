#include "runtime/confirm/confirm_targets.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "runtime/export/graph_file.h"

namespace lockdep {
namespace {

// Cycles through `start` whose other classes all have larger indices: each
// simple cycle is found exactly once, from its smallest class.
void CyclesFrom(uint32_t start, const std::vector<std::vector<uint32_t>>& out,
                std::vector<uint32_t>* path, std::vector<char>* on_path,
                std::vector<std::vector<uint32_t>>* found, size_t cap) {
  const uint32_t at = path->back();
  for (uint32_t next : out[at]) {
    if (found->size() >= cap) return;
    if (next == start) {
      found->push_back(*path);
    } else if (next > start && !(*on_path)[next] && path->size() < size_t(kMaxCycleLength)) {
      (*on_path)[next] = 1;
      path->push_back(next);
      CyclesFrom(start, out, path, on_path, found, cap);
      path->pop_back();
      (*on_path)[next] = 0;
    }
  }
}

}  // namespace

std::string TargetClassText(const TargetClass& c) {
  return c.subclass == 0 ? c.name : absl::StrCat(c.name, "/", c.subclass);
}

std::string TargetCycle::Text() const {
  std::string text;
  for (const TargetClass& c : classes) absl::StrAppend(&text, TargetClassText(c), " -> ");
  if (!classes.empty()) text += TargetClassText(classes.front());
  return text;
}

TargetCycles FindTargetCycles(const graph::Graph& g) {
  const uint32_t n = uint32_t(g.classes_size());
  std::vector<std::set<uint32_t>> edges(n);
  for (const graph::Dependency& d : g.dependencies()) {
    if (d.from() < n && d.to() < n) edges[d.from()].insert(d.to());
  }
  std::vector<std::vector<uint32_t>> out(n);
  for (uint32_t i = 0; i < n; ++i) out[i].assign(edges[i].begin(), edges[i].end());
  // Search for more than are kept, so that the shortest ones survive the cut
  // in most graphs; the cap keeps a dense graph's search bounded.
  const size_t cap = size_t(kMaxTargetCycles) * 16;
  std::vector<std::vector<uint32_t>> found;
  std::vector<char> on_path(n, 0);
  for (uint32_t s = 0; s < n && found.size() < cap; ++s) {
    std::vector<uint32_t> path{s};
    on_path[s] = 1;
    CyclesFrom(s, out, &path, &on_path, &found, cap);
    on_path[s] = 0;
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.size() < b.size(); });
  TargetCycles result;
  result.truncated = found.size() > size_t(kMaxTargetCycles);
  if (result.truncated) found.resize(kMaxTargetCycles);
  for (const std::vector<uint32_t>& cycle : found) {
    TargetCycle t;
    for (uint32_t c : cycle) {
      t.classes.push_back({g.classes(int(c)).name(), g.classes(int(c)).subclass()});
    }
    result.cycles.push_back(std::move(t));
  }
  return result;
}

absl::StatusOr<TargetCycles> LoadTargetCycles(const std::string& path) {
  absl::StatusOr<graph::Graph> g = ReadGraphFile(path);
  if (!g.ok()) return g.status();
  return FindTargetCycles(*g);
}

}  // namespace lockdep
