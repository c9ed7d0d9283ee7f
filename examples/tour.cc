// The tour: every example scenario, each in a child process of its own (a
// re-run of this binary with --scenario=NAME), its output shown as it comes,
// then a table of what each had to report and whether it did. A scenario is
// caught when the child's real output holds exactly the expected reports
// (each once, no other) and its exit status agrees: 66 (LOCKDEP_OPTIONS
// exitcode) after a report, 0 for a clean run. Exits 0 only when every
// scenario is caught.
//
//   ./bazelw run //examples:tour [-- --out=DIR] [-- --scenario=NAME]
//
// Every run writes its lock graph to DIR/<scenario>.pb
// (LOCKDEP_OPTIONS=dump_graph); DIR defaults to lockdep-out/ in the
// workspace (the current directory outside `bazel run`). The clean runs' are
// drawn as <scenario>.svg and together as tour.svg; those of the runs that
// report as <scenario>.svg and <scenario>.html with what they found
// highlighted (their reports, json_path, in <scenario>.reports.json); the
// GPU driver's runs together as gpu.svg and gpu.html, each bug's cycle in
// red.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "examples/report_titles.h"
#include "examples/scenario.h"
#include "examples/tour_pictures.h"
#include "tools/verbs.h"

namespace {

using examples::Say;
using examples::Scenario;
using lockdep::ReportKind;

std::vector<Scenario> AllScenarios() {
  std::vector<Scenario> all;
  for (auto part : {examples::BasicScenarios(), examples::DmaBufScenarios(),
                    examples::DriverScenarios(), examples::GpuScenarios()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

struct Outcome {
  std::vector<std::string> titles;  // report title lines, in order
  int exit_status = -1;             // -1: killed by a signal or never ran
  std::string output;               // stdout and stderr, interleaved
};

// Runs `self --scenario=NAME` with LOCKDEP_OPTIONS=`options`, copying its
// output to ours as it comes.
Outcome RunChild(const std::string& self, const Scenario& s,
                 const std::string& options) {
  Outcome out;
  int fds[2];
  if (pipe(fds) != 0) return out;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    setenv("LOCKDEP_OPTIONS", options.c_str(), 1);
    const std::string flag = std::string("--scenario=") + s.name;
    execl(self.c_str(), self.c_str(), flag.c_str(),
          static_cast<char*>(nullptr));
    std::fprintf(stderr, "tour: cannot run %s: %s\n", self.c_str(),
                 std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return out;
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.output.append(buf, static_cast<size_t>(n));
    std::fwrite(buf, 1, static_cast<size_t>(n), stdout);
    std::fflush(stdout);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) out.exit_status = WEXITSTATUS(status);
  for (const absl::string_view line : absl::StrSplit(out.output, '\n')) {
    if (examples::IsReportTitle(std::string(line))) {
      out.titles.emplace_back(line);
    }
  }
  return out;
}

// Empty when the outcome is what `s` expects, else why not.
std::string Verdict(const Scenario& s, const Outcome& o) {
  std::map<int, int> want, got;
  for (ReportKind k : s.expected) want[static_cast<int>(k)]++;
  std::vector<std::string> unexpected;
  for (const std::string& t : o.titles) {
    const std::optional<ReportKind> k = examples::KindOfTitle(t);
    if (!k) {
      unexpected.push_back(t);
      continue;
    }
    got[static_cast<int>(*k)]++;
  }
  std::vector<std::string> problems;
  for (const auto& [kind, n] : want) {
    if (got[kind] != n && !(s.repeats_ok && got[kind] >= n)) {
      problems.push_back(absl::StrFormat(
          "%d x \"%s\"", got[kind],
          examples::KindLabel(static_cast<ReportKind>(kind))));
    }
  }
  for (const auto& [kind, n] : got) {
    if (want.count(kind) == 0 && n > 0) {
      problems.push_back(absl::StrFormat(
          "unexpected \"%s\"",
          examples::KindLabel(static_cast<ReportKind>(kind))));
    }
  }
  for (const std::string& t : unexpected) problems.push_back("unexpected " + t);
  const int want_status = s.expected.empty() ? 0 : 66;
  if (o.exit_status != want_status) {
    problems.push_back(o.exit_status < 0
                           ? std::string("crashed")
                           : absl::StrFormat("exit %d", o.exit_status));
  }
  if (*s.must_contain && o.output.find(s.must_contain) == std::string::npos) {
    problems.push_back(absl::StrFormat("no \"%s\"", s.must_contain));
  }
  return absl::StrJoin(problems, "; ");
}

// The expected reports, each kind once with its count ("2 x ..."), in the
// order the scenario lists them.
std::string ExpectedText(const Scenario& s) {
  if (s.expected.empty()) return "none (clean)";
  std::vector<ReportKind> order;
  std::map<ReportKind, int> count;
  for (ReportKind k : s.expected) {
    if (count[k]++ == 0) order.push_back(k);
  }
  std::vector<std::string> phrases;
  for (ReportKind k : order) {
    phrases.push_back(count[k] == 1 ? examples::KindLabel(k)
                                    : absl::StrFormat("%d x %s", count[k], examples::KindLabel(k)));
  }
  return absl::StrJoin(phrases, " + ");
}

// `text` in lines of at most `width` (longer only for a longer word),
// broken at spaces.
std::vector<std::string> WrapAt(const std::string& text, size_t width) {
  std::vector<std::string> lines(1);
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!lines.back().empty() && lines.back().size() + 1 + word.size() > width) {
      lines.emplace_back();
    }
    if (!lines.back().empty()) lines.back() += ' ';
    absl::StrAppend(&lines.back(), word);
  }
  return lines;
}

std::string DefaultOutDir() {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  return std::string(workspace && *workspace ? workspace : ".") +
         "/lockdep-out";
}

int Usage(const std::vector<Scenario>& all) {
  std::fprintf(stderr, "usage: tour [--out=DIR] [--scenario=NAME]\nscenarios:");
  for (const Scenario& s : all) std::fprintf(stderr, " %s", s.name);
  std::fprintf(stderr, "\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<Scenario> all = AllScenarios();
  std::string out_dir = DefaultOutDir();
  const char* only = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--out=", 6) == 0 && argv[i][6]) {
      out_dir = argv[i] + 6;
    } else if (std::strncmp(argv[i], "--scenario=", 11) == 0) {
      only = argv[i] + 11;
    } else {
      return Usage(all);
    }
  }

  if (only != nullptr) {  // a child: run one scenario here
    for (const Scenario& s : all) {
      if (std::strcmp(s.name, only) == 0) return s.run();
    }
    return Usage(all);
  }

  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    std::fprintf(stderr, "tour: cannot create %s: %s\n", out_dir.c_str(),
                 error.message().c_str());
    return 2;
  }
  out_dir = std::filesystem::absolute(out_dir).lexically_normal().string();
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const char* env = std::getenv("LOCKDEP_OPTIONS");
  const std::string inherited = env && *env ? std::string(env) + ":" : "";

  struct Row {
    const Scenario* s;
    std::string problems;
    std::string graph;    // the run's graph file
    std::string reports;  // its reports' JSON lines; "" for a clean run
  };
  std::vector<Row> rows;
  for (size_t i = 0; i < all.size(); ++i) {
    const Scenario& s = all[i];
    Say(absl::StrFormat("\n### %d. %s (%s)\n%s\n\n", i + 1, s.title, s.name,
                        s.story));
    // exitcode last, so a user's exitcode=0 cannot hide what the child did.
    std::string options = inherited + "exitcode=66";
    if (*s.options) options += std::string(":") + s.options;
    const std::string graph = out_dir + "/" + s.name + ".pb";
    std::filesystem::remove(graph, error);
    options += ":dump_graph=" + graph;
    std::string reports;
    if (!s.expected.empty()) {
      reports = out_dir + "/" + s.name + ".reports.json";
      std::filesystem::remove(reports, error);
      options += ":json_path=" + reports;
    }
    const Outcome o = RunChild(self, s, options);
    const std::string problems = Verdict(s, o);
    Say(absl::StrFormat(
        "\n--> expected: %s; %s\n", ExpectedText(s),
        problems.empty() ? "caught" : "NOT caught: " + problems));
    rows.push_back({&s, problems, graph, reports});
  }

  // A long list of expected reports wraps onto lines of its own rather
  // than widening every row.
  constexpr size_t kExpectedMax = 50;
  size_t name_w = 8, expected_w = 15;
  for (const Row& r : rows) {
    name_w = std::max(name_w, std::strlen(r.s->name));
    expected_w = std::min(kExpectedMax, std::max(expected_w, ExpectedText(*r.s).size()));
  }
  Say(absl::StrFormat("\n%-*s  %-*s  %s\n", name_w, "scenario", expected_w,
                      "expected report", "caught"));
  Say(absl::StrFormat("%s  %s  %s\n", std::string(name_w, '-'),
                      std::string(expected_w, '-'), "------"));
  int caught = 0, graphs = 0, clean = 0;
  for (const Row& r : rows) {
    std::vector<std::string> lines = WrapAt(ExpectedText(*r.s), expected_w);
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
      Say(absl::StrFormat("%-*s  %s\n", name_w, i == 0 ? r.s->name : "", lines[i]));
    }
    Say(absl::StrFormat("%-*s  %-*s  %s\n", name_w, lines.size() == 1 ? r.s->name : "",
                        expected_w, lines.back(),
                        r.problems.empty() ? "yes" : "NO: " + r.problems));
    caught += r.problems.empty();
    if (r.reports.empty()) {
      ++clean;
      graphs += std::filesystem::exists(r.graph, error);
    }
  }
  Say(absl::StrFormat("\n%d of %d scenarios behaved as expected.\n", caught,
                      rows.size()));
  // Each clean run's graph as a picture, and all of them together.
  std::vector<std::string> written;
  int svgs = 0;
  for (const Row& r : rows) {
    if (!r.reports.empty() || !std::filesystem::exists(r.graph, error)) continue;
    written.push_back(r.graph);
    lockdep::tools::VerbOptions svg;
    svg.output = r.graph.substr(0, r.graph.size() - 3) + ".svg";
    absl::StatusOr<int> done = lockdep::tools::RunVerb("svg", {r.graph}, svg, stdout);
    if (done.ok()) {
      ++svgs;
    } else {
      Say(absl::StrFormat("tour: %s: %s\n", svg.output, done.status().message()));
    }
  }
  if (!written.empty()) {
    lockdep::tools::VerbOptions all;
    all.output = out_dir + "/tour.svg";
    absl::StatusOr<int> done = lockdep::tools::RunVerb("svg", written, all, stdout);
    if (!done.ok()) Say(absl::StrFormat("tour: %s: %s\n", all.output, done.status().message()));
  }
  // What each reporting run found, as pictures.
  std::string pictures;
  for (const Row& r : rows) {
    if (r.reports.empty() || !std::filesystem::exists(r.graph, error)) continue;
    absl::StatusOr<std::vector<std::string>> drawn = examples::DrawReportedRun(r.graph, r.reports);
    if (!drawn.ok()) {
      Say(absl::StrFormat("tour: %s: %s\n", r.graph, drawn.status().message()));
      continue;
    }
    absl::StrAppendFormat(&pictures, "  %-*s  %s\n", name_w, r.s->name, absl::StrJoin(*drawn, "  "));
  }
  // The GPU driver's whole lock graph, every run of it together: the core's
  // classes, the driver's, fs_reclaim and dma_fence_map, each bug's cycle in
  // red.
  std::vector<std::string> gpu_graphs, gpu_reports;
  for (const Row& r : rows) {
    if (std::strncmp(r.s->name, "gpu_", 4) != 0 ||
        !std::filesystem::exists(r.graph, error)) {
      continue;
    }
    gpu_graphs.push_back(r.graph);
    if (!r.reports.empty()) gpu_reports.push_back(r.reports);
  }
  if (!gpu_graphs.empty()) {
    absl::StatusOr<std::vector<std::string>> drawn =
        examples::DrawRuns(gpu_graphs, gpu_reports, out_dir + "/gpu");
    if (drawn.ok()) {
      absl::StrAppendFormat(&pictures, "  %-*s  %s\n", name_w, "gpu_* together",
                            absl::StrJoin(*drawn, "  "));
    } else {
      Say(absl::StrFormat("tour: %s/gpu.svg: %s\n", out_dir, drawn.status().message()));
    }
  }
  if (!pictures.empty()) {
    Say("\nWhat the reporting runs found, drawn (cycles in red, the reports' classes "
        "filled in orange; open the .html in a browser to explore):\n" + pictures + "\n");
  }
  Say(absl::StrFormat(
      "Lock graphs of the %d clean runs: %d written to %s/<scenario>.pb "
      "(LOCKDEP_OPTIONS=dump_graph), %d drawn as <scenario>.svg, all together "
      "in tour.svg (lockgraph svg).\n",
      clean, graphs, out_dir, svgs));
  return caught == static_cast<int>(rows.size()) ? 0 : 1;
}
