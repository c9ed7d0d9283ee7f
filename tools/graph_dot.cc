#include "tools/graph_dot.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/graph_text.h"

namespace lockdep::tools {
namespace {

// A DOT double-quoted string.
std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string GraphDot(const GraphIndex& index, const CycleSearch& cycles, const DotOptions& options) {
  const graph::Graph& g = index.g;
  std::vector<bool> on_cycle_class(size_t(g.classes_size()), false);
  std::vector<bool> on_cycle_dep(size_t(g.dependencies_size()), false);
  for (const auto& cycle : cycles.cycles) {
    for (uint32_t e : cycle) {
      on_cycle_dep[e] = true;
      on_cycle_class[g.dependencies(int(e)).from()] = true;
    }
  }
  auto kept = [&](uint32_t c) {
    if (!options.keep.empty() && !options.keep[c]) return false;
    return !options.cycles_only || on_cycle_class[c];
  };
  std::string out =
      "digraph lockdep {\n"
      "  rankdir=LR;\n"
      "  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
      "  edge [fontname=\"monospace\", fontsize=9];\n";
  for (int i = 0; i < g.classes_size(); ++i) {
    if (!kept(uint32_t(i))) continue;
    const graph::LockClass& c = g.classes(i);
    std::string label = absl::StrCat(GraphClassName(c), "\n", c.usage().empty() ? "{....}" : c.usage());
    absl::StrAppendFormat(&out, "  c%d [label=%s%s];\n", i, Quote(label),
                          on_cycle_class[size_t(i)] ? ", color=red, fontcolor=red, penwidth=2" : "");
  }
  for (int i = 0; i < g.dependencies_size(); ++i) {
    const graph::Dependency& d = g.dependencies(i);
    if (!kept(d.from()) || !kept(d.to())) continue;
    if (options.cycles_only && !on_cycle_dep[size_t(i)]) continue;
    absl::StrAppendFormat(&out, "  c%u -> c%u [label=%s%s];\n", d.from(), d.to(),
                          Quote(DependencyKinds(d.kinds())),
                          on_cycle_dep[size_t(i)] ? ", color=red, fontcolor=red, penwidth=2" : "");
  }
  out += "}\n";
  return out;
}

}  // namespace lockdep::tools
