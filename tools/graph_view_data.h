// The data the lock-graph viewer (tools/viewer/) draws, as one JSON object:
// the union's classes, dependencies, stack traces, runs and cycles, plus the
// words that explain usage bits and dependency kinds. Safe to embed in HTML:
// the text never contains '<', '>' or '&' (written as \u003c ...), so no
// name can close the <script> element that carries it.
#ifndef LOCKDEP_TOOLS_GRAPH_VIEW_DATA_H_
#define LOCKDEP_TOOLS_GRAPH_VIEW_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tools/graph_search.h"

namespace lockdep::tools {

struct ViewOptions {
  std::string title;          // shown as the page's title
  std::string around;         // class spec to centre on at load ("" = the tool picks)
  int depth = 2;              // initial neighbourhood radius
  // Classes a report names (indices), drawn highlighted even off any cycle.
  std::vector<uint32_t> marked;
};

// A JSON string literal of `s`, with '<', '>', '&', U+2028/9 and control
// characters escaped and invalid UTF-8 replaced by U+FFFD.
std::string JsonQuote(absl::string_view s);

// Dependency kinds in words, e.g. "write then write (EN)"; kinds joined by
// "; ". Linux's N (non-recursive) taker counts as "write".
std::string DependencyKindWords(uint32_t kinds);
// Usage bit `bit` (runtime/graph/usage.h) in words, e.g. "taken for writing inside
// a hard-irq handler".
std::string UsageBitWords(uint32_t bit);

// The JSON object (layout in tools/viewer/viewer.js). Cost: linear in the
// graph; frames shared by traces are written once.
std::string GraphViewJson(const GraphIndex& index, const CycleSearch& cycles,
                          const ViewOptions& options);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_GRAPH_VIEW_DATA_H_
