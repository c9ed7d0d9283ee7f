// The lock-graph viewer's page, style sheet and script (tools/viewer/), as
// embedded at build time by tools/viewer/embed.sh.
#ifndef LOCKDEP_TOOLS_VIEWER_ASSETS_H_
#define LOCKDEP_TOOLS_VIEWER_ASSETS_H_

namespace lockdep::tools {

// page.html: the page, with {{STYLE}}, {{SCRIPT}} and {{DATA}} where the
// others and the graph's JSON go.
extern const char kViewerPage[];
extern const char kViewerStyle[];   // viewer.css
extern const char kViewerScript[];  // viewer.js

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_VIEWER_ASSETS_H_
