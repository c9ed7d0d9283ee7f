#include "tools/graph_diff.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "tools/graph_merge.h"

namespace lockdep::tools {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

// Everything that names a class but its line.
std::string LineFreeKey(const graph::LockClass& c) {
  const graph::KeyLocation& k = c.key();
  return absl::StrCat(c.name(), "\x1f", c.subclass(), "\x1f", k.file(), "\x1f", k.symbol(),
                      "\x1f", k.unit(), "\x1f", k.offset());
}

// Leftover classes of one graph grouped by LineFreeKey, each group in line
// order (then file order).
absl::flat_hash_map<std::string, std::vector<uint32_t>> Leftovers(
    const graph::Graph& g, const std::vector<bool>& matched) {
  absl::flat_hash_map<std::string, std::vector<uint32_t>> groups;
  for (int i = 0; i < g.classes_size(); ++i) {
    if (!matched[size_t(i)]) groups[LineFreeKey(g.classes(i))].push_back(uint32_t(i));
  }
  for (auto& [key, group] : groups) {
    std::stable_sort(group.begin(), group.end(), [&](uint32_t a, uint32_t b) {
      return g.classes(int(a)).key().line() < g.classes(int(b)).key().line();
    });
  }
  return groups;
}

}  // namespace

bool KindsCovered(uint32_t base, uint32_t kinds) {
  // Bits: 1 SR, 2 ER, 4 SN, 8 EN (holder Shared/Exclusive, take
  // Recursive-read/Non-recursive). A kind is covered by one at least as
  // exclusive in both halves.
  for (uint32_t k = 1; k <= 8; k <<= 1) {
    if (!(kinds & k)) continue;
    const bool exclusive = k & (2 | 8), non_recursive = k & (4 | 8);
    bool covered = false;
    for (uint32_t b = 1; b <= 8; b <<= 1) {
      if (!(base & b)) continue;
      if ((!exclusive || (b & (2 | 8))) && (!non_recursive || (b & (4 | 8)))) covered = true;
    }
    if (!covered) return false;
  }
  return true;
}

GraphDiff DiffGraphs(const graph::Graph& base, const graph::Graph& now) {
  GraphDiff diff;
  absl::flat_hash_map<std::string, uint32_t> base_classes;
  for (int i = 0; i < base.classes_size(); ++i) {
    base_classes.emplace(ClassIdentity(base.classes(i)), uint32_t(i));
  }
  std::vector<uint32_t> in_base(size_t(now.classes_size()), kNone);
  std::vector<bool> base_matched(size_t(base.classes_size())), now_matched(in_base.size());
  for (int i = 0; i < now.classes_size(); ++i) {
    auto it = base_classes.find(ClassIdentity(now.classes(i)));
    if (it == base_classes.end() || base_matched[it->second]) continue;
    in_base[size_t(i)] = it->second;
    base_matched[it->second] = true;
    now_matched[size_t(i)] = true;
  }
  auto base_left = Leftovers(base, base_matched);
  for (auto& [key, group] : Leftovers(now, now_matched)) {
    auto it = base_left.find(key);
    const size_t pairs = it == base_left.end() ? 0 : std::min(group.size(), it->second.size());
    for (size_t k = 0; k < pairs; ++k) {
      in_base[group[k]] = it->second[k];
      now_matched[group[k]] = true;
      ++diff.moved_classes;
    }
  }
  for (int i = 0; i < now.classes_size(); ++i) {
    if (!now_matched[size_t(i)]) diff.new_classes.push_back(uint32_t(i));
  }
  absl::flat_hash_map<uint64_t, uint32_t> base_deps;  // from << 32 | to -> kinds
  for (const graph::Dependency& d : base.dependencies()) {
    base_deps[uint64_t(d.from()) << 32 | d.to()] |= d.kinds() ? d.kinds() : 8;
  }
  for (int i = 0; i < now.dependencies_size(); ++i) {
    const graph::Dependency& d = now.dependencies(i);
    const uint32_t f = in_base[d.from()], t = in_base[d.to()];
    uint32_t had = 0;
    if (f != kNone && t != kNone) {
      auto it = base_deps.find(uint64_t(f) << 32 | t);
      if (it != base_deps.end()) had = it->second;
    }
    if (had != 0 && KindsCovered(had, d.kinds() ? d.kinds() : 8)) continue;
    diff.new_dependencies.push_back(uint32_t(i));
    diff.base_kinds.push_back(had);
  }
  return diff;
}

}  // namespace lockdep::tools
