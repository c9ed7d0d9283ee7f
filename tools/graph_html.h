// `lockgraph html`: one self-contained, interactive HTML page of a lock
// graph (tools/viewer/ is its script): search, neighbourhoods, every cycle
// listed and highlighted, the stacks behind classes and dependencies. Nothing
// is fetched when the page is viewed.
#ifndef LOCKDEP_TOOLS_GRAPH_HTML_H_
#define LOCKDEP_TOOLS_GRAPH_HTML_H_

#include <string>

#include "tools/graph_search.h"
#include "tools/graph_view_data.h"

namespace lockdep::tools {

// The page. Names and stacks are carried as JSON (GraphViewJson) inside a
// <script type="application/json"> element and shown with textContent only,
// so no name can inject markup or script. Cost: linear in the graph; about
// 30 bytes per dependency and 60 per class.
std::string GraphHtml(const GraphIndex& index, const CycleSearch& cycles,
                      const ViewOptions& options);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_GRAPH_HTML_H_
