#include "examples/tour_pictures.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_join.h"
#include <string>
#include "runtime/export/graph_file.h"
#include "tools/graph_search.h"
#include "tools/verbs.h"

namespace examples {

namespace {

// The JSON string starting at `text[*at]` (at its opening quote), unescaped
// as the runtime escapes it (\", \\, \n, \t, \u00XX); *at moves past it.
bool ReadJsonString(const std::string& text, size_t* at, std::string* out) {
  if (*at >= text.size() || text[*at] != '"') return false;
  out->clear();
  for (size_t i = *at + 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      *at = i + 1;
      return true;
    }
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= text.size()) return false;
    switch (text[i]) {
      case 'n': out->push_back('\n'); break;
      case 't': out->push_back('\t'); break;
      case 'u':
        if (i + 4 >= text.size()) return false;
        out->push_back(char(std::stoi(text.substr(i + 1, 4), nullptr, 16)));
        i += 4;
        break;
      default: out->push_back(text[i]);
    }
  }
  return false;
}

}  // namespace

// Read by hand, not through protobuf's JSON: the lines are the runtime's own
// (runtime/reports/report_output.cc), and protobuf's inline Map code built with
// -fsanitize=thread does not agree with the uninstrumented library that
// filled the map (the tour crashed in Map::find under --config=tsan).
std::vector<std::string> ReportedClasses(const std::string& reports_json) {
  std::vector<std::string> names;
  std::ifstream in(reports_json);
  constexpr char kClasses[] = "\"classes\":[";
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find(kClasses);
    if (at == std::string::npos) continue;
    at += sizeof(kClasses) - 1;
    std::string name;
    while (ReadJsonString(line, &at, &name)) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      if (at >= line.size() || line[at] != ',') break;
      ++at;
    }
  }
  return names;
}

absl::StatusOr<std::vector<std::string>> DrawRuns(
    const std::vector<std::string>& graphs, const std::vector<std::string>& reports_json,
    const std::string& stem) {
  std::vector<lockdep::graph::Graph> read;
  for (const std::string& graph : graphs) {
    absl::StatusOr<lockdep::graph::Graph> g = lockdep::ReadGraphFile(graph);
    if (!g.ok()) return g.status();
    read.push_back(*std::move(g));
  }
  // --mark takes a comma-separated list, and fails on a class the graphs
  // lack (a report can name a class no dependency ever reached).
  std::vector<std::string> marks;
  for (const std::string& reports : reports_json) {
    for (const std::string& name : ReportedClasses(reports)) {
      if (name.find(',') != std::string::npos ||
          std::find(marks.begin(), marks.end(), name) != marks.end()) {
        continue;
      }
      for (const lockdep::graph::Graph& g : read) {
        if (lockdep::tools::FindClasses(g, name).ok()) {
          marks.push_back(name);
          break;
        }
      }
    }
  }
  std::vector<std::string> written;
  for (const char* verb : {"svg", "html"}) {
    lockdep::tools::VerbOptions o;
    o.output = stem + "." + verb;
    o.mark = absl::StrJoin(marks, ",");
    absl::StatusOr<int> done = lockdep::tools::RunVerb(verb, graphs, o, stdout);
    if (!done.ok()) return done.status();
    written.push_back(o.output);
  }
  return written;
}

absl::StatusOr<std::vector<std::string>> DrawReportedRun(const std::string& graph,
                                                         const std::string& reports_json) {
  return DrawRuns({graph}, {reports_json}, graph.substr(0, graph.size() - 3));
}

}  // namespace examples
