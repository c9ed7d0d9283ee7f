#include "tools/graph_html.h"

#include "absl/strings/str_replace.h"
#include "tools/viewer_assets.h"

namespace lockdep::tools {

std::string GraphHtml(const GraphIndex& index, const CycleSearch& cycles,
                      const ViewOptions& options) {
  // One pass over the template: inserted text is never scanned again, so a
  // class named "{{SCRIPT}}" stays a name.
  return absl::StrReplaceAll(kViewerPage, {{"{{STYLE}}", kViewerStyle},
                                           {"{{SCRIPT}}", kViewerScript},
                                           {"{{DATA}}", GraphViewJson(index, cycles, options)}});
}

}  // namespace lockdep::tools
