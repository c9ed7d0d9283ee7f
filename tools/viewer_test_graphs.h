// Small graphs for the viewer's tests (graph_html_test, viewer_browser_test)
// and the JSON a generated page carries, parsed back.
#ifndef LOCKDEP_TOOLS_VIEWER_TEST_GRAPHS_H_
#define LOCKDEP_TOOLS_VIEWER_TEST_GRAPHS_H_

#include <string>

#include "google/protobuf/struct.pb.h"
#include "runtime/export/lockgraph.pb.h"

namespace lockdep::tools {

// dev -(EN)-> pci -(ER)-> table_sem/1 -(EN)-> dev, a deadlock cycle, with
// idle -(EN)-> dev hanging off it; every dependency has a two-frame stack.
graph::Graph CycleGraph();
// The same classes with table_sem -> dev dropped: no cycle.
graph::Graph AcyclicGraph();
// Names, key symbols and frames that would run script or break out of the
// page if pasted as markup: a cycle between two of them.
graph::Graph HostileGraph();
inline constexpr char kScriptName[] = "<script>window.__pwned='script'</script>";
inline constexpr char kImageName[] = "\"'</script><img src=x onerror=\"__pwned=2\">";

// The JSON inside the page's <script id="graph-data"> element, parsed; an
// empty Struct when the page has none or it does not parse.
google::protobuf::Struct EmbeddedData(const std::string& page);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_VIEWER_TEST_GRAPHS_H_
