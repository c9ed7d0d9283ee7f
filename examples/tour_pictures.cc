#include "examples/tour_pictures.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/graph_file.h"
#include "tools/graph_search.h"
#include "tools/verbs.h"

namespace examples {

std::vector<std::string> ReportedClasses(const std::string& reports_json) {
  std::vector<std::string> names;
  std::ifstream in(reports_json);
  for (std::string line; std::getline(in, line);) {
    google::protobuf::Struct report;
    if (!google::protobuf::util::JsonStringToMessage(line, &report).ok()) continue;
    auto it = report.fields().find("classes");
    if (it == report.fields().end()) continue;
    for (const auto& name : it->second.list_value().values()) {
      if (std::find(names.begin(), names.end(), name.string_value()) == names.end()) {
        names.push_back(name.string_value());
      }
    }
  }
  return names;
}

absl::StatusOr<std::vector<std::string>> DrawReportedRun(const std::string& graph,
                                                         const std::string& reports_json) {
  absl::StatusOr<lockdep::graph::Graph> g = lockdep::ReadGraphFile(graph);
  if (!g.ok()) return g.status();
  // --mark takes a comma-separated list, and fails on a class the graph
  // lacks (a report can name a class no dependency ever reached).
  std::vector<std::string> marks;
  for (const std::string& name : ReportedClasses(reports_json)) {
    if (name.find(',') == std::string::npos && lockdep::tools::FindClasses(*g, name).ok()) {
      marks.push_back(name);
    }
  }
  const std::string stem = graph.substr(0, graph.size() - 3);
  std::vector<std::string> written;
  for (const char* verb : {"svg", "html"}) {
    lockdep::tools::VerbOptions o;
    o.output = stem + "." + verb;
    o.mark = absl::StrJoin(marks, ",");
    absl::StatusOr<int> done = lockdep::tools::RunVerb(verb, {graph}, o, stdout);
    if (!done.ok()) return done.status();
    written.push_back(o.output);
  }
  return written;
}

}  // namespace examples
