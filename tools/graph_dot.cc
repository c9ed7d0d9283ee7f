#include "tools/graph_dot.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/export/graph_text.h"

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

// An HTML-like label: one table row per symbol and colour in the picture.
constexpr char kLegend[] = R"(  subgraph cluster_legend {
    label="legend"; fontname="sans-serif"; fontsize=10; color=gray;
    legend [shape=plaintext, fontname="sans-serif", fontsize=9, label=<
      <table border="0" cellspacing="2" cellborder="0">
      <tr><td align="left"><b>box</b></td><td align="left">a lock class: its name, then usage {hard-irq write, read; soft-irq write, read}</td></tr>
      <tr><td align="left"><b>+ - ? .</b></td><td align="left">taken with those irqs enabled; taken inside such a handler; both; neither</td></tr>
      <tr><td align="left"><b>A -&gt; B</b></td><td align="left">B was taken while A was held</td></tr>
      <tr><td align="left"><b>EN ER SN SR</b></td><td align="left">held for write (E) or read (S), then taken as a write or non-recursive read (N) or a recursive read (R)</td></tr>
      <tr><td align="left"><font color="red"><b>red</b></font></td><td align="left">classes and dependencies on a deadlock cycle</td></tr>
      <tr><td align="left"><font color="darkorange"><b>orange fill</b></font></td><td align="left">classes a report names (--mark)</td></tr>
      </table>>];
  }
)";

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
    const bool marked = size_t(i) < options.marked.size() && options.marked[size_t(i)];
    absl::StrAppendFormat(&out, "  c%d [label=%s%s%s];\n", i, Quote(label),
                          on_cycle_class[size_t(i)] ? ", color=red, fontcolor=red, penwidth=2" : "",
                          marked ? ", style=filled, fillcolor=\"#ffe0b0\", penwidth=2" : "");
  }
  for (int i = 0; i < g.dependencies_size(); ++i) {
    const graph::Dependency& d = g.dependencies(i);
    if (!kept(d.from()) || !kept(d.to())) continue;
    if (options.cycles_only && !on_cycle_dep[size_t(i)]) continue;
    absl::StrAppendFormat(&out, "  c%u -> c%u [label=%s%s];\n", d.from(), d.to(),
                          Quote(DependencyKinds(d.kinds())),
                          on_cycle_dep[size_t(i)] ? ", color=red, fontcolor=red, penwidth=2" : "");
  }
  if (options.legend) out += kLegend;
  out += "}\n";
  return out;
}

}  // namespace lockdep::tools
