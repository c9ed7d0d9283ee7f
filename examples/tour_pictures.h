// Pictures of the tour's runs that report: the run's lock graph as an SVG
// (lockgraph svg) and an interactive page (lockgraph html), each with the
// cycles in red and the classes the run's reports name filled in orange.
#ifndef LOCKDEP_EXAMPLES_TOUR_PICTURES_H_
#define LOCKDEP_EXAMPLES_TOUR_PICTURES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace examples {

// The class names in a json_path file (one JSON report a line), each once,
// in order of first mention; lines that do not parse are skipped.
std::vector<std::string> ReportedClasses(const std::string& reports_json);

// Draws `graph` (a dump_graph file) as <graph without .pb>.svg and .html,
// marking the classes of `reports_json` that the graph has. Returns the two
// paths, or why they could not be written (e.g. Graphviz is missing).
absl::StatusOr<std::vector<std::string>> DrawReportedRun(const std::string& graph,
                                                         const std::string& reports_json);

// Draws the union of `graphs` as <stem>.svg and <stem>.html, every cycle of
// the union in red, marking the classes that the `reports_json` files name
// and some graph has. Returns the two paths, or why they could not be
// written.
absl::StatusOr<std::vector<std::string>> DrawRuns(
    const std::vector<std::string>& graphs, const std::vector<std::string>& reports_json,
    const std::string& stem);

}  // namespace examples

#endif  // LOCKDEP_EXAMPLES_TOUR_PICTURES_H_
