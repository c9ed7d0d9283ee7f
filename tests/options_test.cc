// LOCKDEP_OPTIONS is read once at start-up, so each case runs options_probe
// (tests/options_probe.cc) as a child process with its own LOCKDEP_OPTIONS and
// checks the child's stderr and exit status against the README's options table.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/export/graph_file.h"
#include "runtime/base/options.h"
#include "tests/run_program.h"
#include "tests/text_lines.h"

extern char** environ;

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Runfiles path of the probe: the test runs in its runfiles tree's workspace
// directory, and BUILD lists the probe in `data`.
constexpr char kProbe[] = "tests/options_probe";
constexpr char kAfterFirstReport[] = "options_probe: after the first report";
constexpr char kCircular[] = "possible circular locking dependency detected";
constexpr char kBadUnlock[] = "bad unlock balance detected";

using ProbeResult = lockdep::testing::ProbeRun;

// Runs the probe with `args`, LOCKDEP_OPTIONS set to `options` (unset when
// nullptr), stdout discarded, stderr captured, no core dump.
ProbeResult RunProbe(const char* options, std::vector<std::string> args) {
  return lockdep::testing::RunProgram(kProbe, std::move(args), options);
}

using lockdep::testing::Lines;

int CountLinesContaining(const std::string& text, std::string_view needle) {
  int n = 0;
  for (const std::string& line : Lines(text)) {
    if (line.find(needle) != std::string::npos) ++n;
  }
  return n;
}

int CountOccurrences(const std::string& text, std::string_view needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

bool IsTitleLine(const std::string& line) {
  return line.rfind("WARNING: ", 0) == 0 || line.rfind("BUG: ", 0) == 0;
}

// A frame of a stack trace as the runtime prints it: indentation, then
// "function+0x1c/0x40", optionally " (file.cc:123)", or a bare "0x7f..."
// (stack_trace.h's SymbolizePc). Held-lock lines ("#0: ..., at: f+0x1/0x2")
// are not trace lines.
int CountTraceLines(const std::string& text) {
  static const std::regex kFrame(
      R"(^\s+(\S.*\+0x[0-9a-f]+/0x[0-9a-f]+( \(.*\))?|0x[0-9a-f]+)$)");
  int n = 0;
  for (const std::string& line : Lines(text)) {
    if (line.find(" at: ") != std::string::npos) continue;
    if (std::regex_match(line, kFrame)) ++n;
  }
  return n;
}

// Addresses (ASLR) and thread ids differ between runs; nothing else may.
std::string WithoutNumbers(const std::string& text) {
  static const std::regex kHex(R"(0x[0-9a-f]+|\b[0-9a-f]{8,16}\b)");
  static const std::regex kDecimal("[0-9]+");
  return std::regex_replace(std::regex_replace(text, kHex, "ADDR"), kDecimal,
                            "N");
}

TEST(Options, DefaultExitCodeAfterAReportIs66) {
  const ProbeResult r = RunProbe(nullptr, {"report"});
  EXPECT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kCircular), 1) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kBadUnlock), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(kAfterFirstReport));  // the runtime went on
}

TEST(Options, ProgramWithoutReportKeepsItsExitCode) {
  ProbeResult r = RunProbe(nullptr, {"clean"});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& line : Lines(r.err)) EXPECT_FALSE(IsTitleLine(line)) << line;

  r = RunProbe(nullptr, {"clean", "7"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
}

TEST(Options, ExitcodeZeroKeepsTheProgramsOwnCode) {
  ProbeResult r = RunProbe("exitcode=0", {"report"});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr(kCircular));

  r = RunProbe("exitcode=0", {"report", "5"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
}

TEST(Options, ExitcodeSetsTheExitStatusOfAReportingProcess) {
  ProbeResult r = RunProbe("exitcode=3", {"report"});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3) << r.err;

  r = RunProbe("exitcode=3", {"clean"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Options, HaltOnReportAbortsRightAfterTheFirstReport) {
  const ProbeResult r = RunProbe("halt_on_report=1", {"report"});
  EXPECT_FALSE(r.exited) << "exit code " << r.exit_code << "\n" << r.err;
  EXPECT_EQ(r.signal, SIGABRT) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kCircular), 1) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr(kAfterFirstReport)));
  EXPECT_THAT(r.err, Not(HasSubstr(kBadUnlock)));
}

TEST(Options, HaltOnReportWithoutReportExitsNormally) {
  const ProbeResult r = RunProbe("halt_on_report=1", {"clean"});
  EXPECT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Options, VerbosityZeroStillPrintsReports) {
  const ProbeResult r = RunProbe("verbosity=0", {"report"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kCircular), 1) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kBadUnlock), 1) << r.err;
}

constexpr char kEarlyExitHandler[] = "options_probe: early exit handler ran";
constexpr char kStatusLine[] = "lockdep: 2 reports; exit status 66 (LOCKDEP_OPTIONS exitcode)";

TEST(Options, VerbosityZeroPrintsNothingButReports) {
  const ProbeResult r = RunProbe("verbosity=0", {"report"});
  for (const std::string& line : Lines(r.err)) {
    EXPECT_FALSE(line.rfind("lockdep: ", 0) == 0) << line;
  }
}

TEST(Options, VerbosityOneSaysWhyTheExitStatusChanged) {
  const ProbeResult r = RunProbe(nullptr, {"report"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kStatusLine), 1) << r.err;
  const ProbeResult kept = RunProbe("exitcode=0", {"report", "3"});
  EXPECT_EQ(kept.exit_code, 3) << kept.err;
  EXPECT_EQ(CountOccurrences(kept.err, "lockdep: 2 reports; exit status left to the program"), 1)
      << kept.err;
  const ProbeResult clean = RunProbe(nullptr, {"clean"});
  EXPECT_THAT(clean.err, Not(HasSubstr("lockdep: "))) << clean.err;
}

// The exit status is changed without skipping exit work registered before the
// runtime's (an _exit() would skip it).
TEST(Options, ExitStatusChangeStillRunsEarlierExitHandlers) {
  const ProbeResult r = RunProbe(nullptr, {"report"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kEarlyExitHandler), 1) << r.err;
  const size_t status = r.err.find(kStatusLine);
  ASSERT_NE(status, std::string::npos) << r.err;
  EXPECT_GT(r.err.find(kEarlyExitHandler), status) << "runs after the runtime's hook";
}

// Reports made while stderr is closed still count for the exit status and
// reach the in-process log.
TEST(Options, ReportsWithStderrClosedStillCount) {
  const ProbeResult r = RunProbe(nullptr, {"closed_stderr"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
  const ProbeResult logged = RunProbe("exitcode=0", {"closed_stderr"});
  EXPECT_EQ(logged.exit_code, 2) << "both reports in the in-process log";
}

// A fresh directory under the test's temporary directory.
std::string FreshDir(const char* name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  return dir;
}

// The contents of the only file in `dir` ("" when there is not exactly one).
std::string OnlyFileIn(const std::string& dir, std::string* name = nullptr) {
  std::string found;
  if (DIR* d = opendir(dir.c_str())) {
    int n = 0;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      ++n;
      found = e->d_name;
    }
    closedir(d);
    if (n != 1) return "";
  }
  if (name != nullptr) *name = found;
  std::ifstream in(dir + "/" + found);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Options, LogPathSendsReportsToAFilePerProcess) {
  const std::string dir = FreshDir("log_path");
  const std::string options = "log_path=" + dir + "/lockdep";
  const ProbeResult r = RunProbe(options.c_str(), {"report"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr(kCircular)));
  std::string name;
  const std::string log = OnlyFileIn(dir, &name);
  EXPECT_THAT(name, ::testing::MatchesRegex("lockdep\\.[0-9]+"));
  EXPECT_EQ(CountOccurrences(log, kCircular), 1) << log;
  EXPECT_EQ(CountOccurrences(log, kBadUnlock), 1) << log;
  EXPECT_EQ(CountOccurrences(log, kStatusLine), 1) << log;
  // A clean run leaves no file.
  const std::string clean_dir = FreshDir("log_path_clean");
  const std::string clean = "log_path=" + clean_dir + "/lockdep";
  EXPECT_EQ(RunProbe(clean.c_str(), {"clean"}).exit_code, 0);
  EXPECT_EQ(OnlyFileIn(clean_dir), "");
}

TEST(Options, HelpPrintsEveryOptionAndGoesOn) {
  const ProbeResult r = RunProbe("help=1", {"clean"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const lockdep::OptionInfo& o : lockdep::OptionTable()) {
    EXPECT_THAT(r.err, ::testing::ContainsRegex(std::string("lockdep:   ") + o.key + " +default " +
                                                o.default_text + " "))
        << r.err;
  }
  EXPECT_EQ(CountLinesContaining(r.err, "lockdep:   "), int(lockdep::OptionTable().size()));
  EXPECT_EQ(CountLinesContaining(RunProbe("", {"clean"}).err, "default"), 0);
}

// The documented options table (docs/reports-and-options.md) lists every
// option of the table, with its default, and no other key.
TEST(Options, DocumentedTableIsTheOptionTable) {
  std::ifstream in("docs/reports-and-options.md");
  ASSERT_TRUE(in) << "docs/reports-and-options.md is a data dependency";
  std::set<std::string> readme_keys;
  std::map<std::string, std::string> readme_default;
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line == "| key | default | meaning |") {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.empty()) break;
    std::smatch m;
    if (std::regex_match(line, m, std::regex("\\| `([a-z_]+)` \\| `?([^`|]*)`? \\|.*"))) {
      readme_keys.insert(m[1]);
      readme_default[m[1]] = m[2];
    }
  }
  std::set<std::string> table_keys;
  for (const lockdep::OptionInfo& o : lockdep::OptionTable()) {
    table_keys.insert(o.key);
    EXPECT_EQ(readme_default[o.key], o.default_text) << o.key;
  }
  EXPECT_EQ(readme_keys, table_keys);
}

TEST(Options, LogPathInAMissingDirectoryFallsBackToStderr) {
  const ProbeResult r = RunProbe("log_path=/nonexistent/dir/lockdep", {"report"});
  EXPECT_EQ(CountLinesContaining(r.err, "log_path: directory /nonexistent/dir"), 1) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kCircular), 1) << r.err;
}

TEST(Options, JsonLinesForCi) {
  const std::string dir = FreshDir("json_path");
  const std::string options = "json_path=" + dir + "/reports-%p.json";
  const ProbeResult r = RunProbe(options.c_str(), {"report"});
  EXPECT_EQ(CountOccurrences(r.err, kCircular), 1) << "the text still goes to stderr";
  const std::vector<std::string> lines = Lines(OnlyFileIn(dir));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("{\"kind\":\"circular_dependency\",\"title\":\"WARNING: possible "
                           "circular locking dependency detected\"", 0), 0u) << lines[0];
  EXPECT_THAT(lines[0], HasSubstr("\"classes\":[\"probe_A\",\"probe_B\""));
  EXPECT_THAT(lines[0], HasSubstr("\"file\":\"tests/options_probe.cc\",\"line\":"));
  // Each frame in its own field: the lock being taken (B is held, A wanted),
  // the chain's dependencies with their stacks, the held locks, the stack.
  EXPECT_THAT(lines[0], ::testing::ContainsRegex(
      "\"lock\":\\{\"class\":\"probe_A\",\"at\":\\{\"function\":\"[^\"]*Lock[^\"]*\","
      "\"file\":\"tests/options_probe.cc\",\"line\":[0-9]+\\}\\}"));
  EXPECT_THAT(lines[0], ::testing::ContainsRegex(
      "\"chain\":\\[\\{\"class\":\"probe_B\",\"stack\":\\[\\{\"function\":[^]]*\\]\\},"
      "\\{\"class\":\"probe_A\",\"stack\":\\[\\{\"function\":"));
  EXPECT_THAT(lines[0], ::testing::ContainsRegex(
      "\"held\":\\[\\{\"class\":\"probe_B\",\"at\":\\{\"function\":\"[^\"]*Lock"));
  EXPECT_THAT(lines[0], ::testing::ContainsRegex(
      "\"backtrace\":\\[\\{\"function\":\"[^\"]*Lock[^]]*InOrder"));
  EXPECT_THAT(lines[1], HasSubstr("\"kind\":\"bad_unlock_balance\""));
  // The site's function is Unlock, or main where the build inlined it.
  EXPECT_THAT(lines[1], ::testing::ContainsRegex(
      "\"lock\":\\{\"class\":\"probe_C\",\"at\":\\{\"function\":\"[^\"]+\","
      "\"file\":\"tests/options_probe.cc\",\"line\":[0-9]+\\}\\}"));
  for (const std::string& line : lines) {
    for (char c : line) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
    EXPECT_EQ(line.back(), '}');
  }
  const ProbeResult inline_json = RunProbe("report_format=json", {"report"});
  EXPECT_EQ(CountLinesContaining(inline_json.err, "{\"kind\":"), 2) << inline_json.err;
}

std::string WriteFile(const std::string& dir, const char* name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Options, SuppressionsSilenceMatchingReports) {
  const std::string dir = FreshDir("suppressions");
  const std::string deadlock = WriteFile(dir, "deadlock.supp",
                                         "# known inversion, tracked elsewhere\n"
                                         "deadlock:probe_A\n");
  const ProbeResult r = RunProbe(("suppressions=" + deadlock).c_str(), {"report"});
  EXPECT_EQ(CountOccurrences(r.err, kCircular), 0) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kBadUnlock), 1) << "not a lock-order report";
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "lockdep: 1 report suppressed"), 1) << r.err;

  const std::string all = WriteFile(dir, "all.supp", "class:^probe_B$\nfunction:^main$\n");
  const ProbeResult quiet = RunProbe(("suppressions=" + all).c_str(), {"report"});
  EXPECT_EQ(CountOccurrences(quiet.err, "WARNING: "), 0) << quiet.err;
  EXPECT_EQ(quiet.exit_code, 0) << "suppressed reports do not change the exit status";
  EXPECT_EQ(CountLinesContaining(quiet.err, "lockdep: 2 reports suppressed"), 1) << quiet.err;

  const std::string none = WriteFile(dir, "none.supp", "file:no_such_file.cc\nclass:^probe$\n");
  EXPECT_EQ(RunProbe(("suppressions=" + none).c_str(), {"report"}).exit_code, 66);
}

TEST(Options, BadSuppressionsAreNamed) {
  const ProbeResult missing = RunProbe("suppressions=/nonexistent.supp", {"report"});
  EXPECT_EQ(CountLinesContaining(missing.err, "cannot read /nonexistent.supp"), 1) << missing.err;
  EXPECT_EQ(missing.exit_code, 66);
  const std::string dir = FreshDir("bad_suppressions");
  const std::string bad = WriteFile(dir, "bad.supp", "race:foo\ndeadlock:\n");
  const ProbeResult r = RunProbe(("suppressions=" + bad).c_str(), {"report"});
  EXPECT_EQ(CountLinesContaining(r.err, "line 1: unknown type 'race'"), 1) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "line 2: empty pattern"), 1) << r.err;
}

TEST(Options, CheckChainsIsAccepted) {
  const ProbeResult r = RunProbe("check_chains=1", {"report"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("LOCKDEP_OPTIONS:"))) << r.err;
  EXPECT_EQ(CountOccurrences(r.err, kCircular), 1) << r.err;
}

TEST(Options, VerbosityTwoAddsASummaryLineAtExit) {
  const ProbeResult v1 = RunProbe("stack_depth=0", {"report"});
  const ProbeResult v2 = RunProbe("stack_depth=0:verbosity=2", {"report"});
  EXPECT_EQ(v1.exit_code, 66) << v1.err;
  EXPECT_EQ(v2.exit_code, 66) << v2.err;
  // The probe's own exit handler prints last; the comparison is of lockdep's.
  auto without_probe_line = [](std::string text) {
    const std::string line = std::string(kEarlyExitHandler) + "\n";
    size_t pos = text.find(line);
    if (pos != std::string::npos) text.erase(pos, line.size());
    return text;
  };
  const std::string a = WithoutNumbers(without_probe_line(v1.err));
  const std::string b = WithoutNumbers(without_probe_line(v2.err));
  ASSERT_EQ(b.substr(0, a.size()), a) << "verbosity=2 must only add at the end";
  const std::vector<std::string> extra = Lines(b.substr(a.size()));
  ASSERT_FALSE(extra.empty()) << v2.err;
  for (const std::string& line : extra) {
    EXPECT_FALSE(line.empty());
    EXPECT_FALSE(IsTitleLine(line)) << line;
  }
}

TEST(Options, StackDepthZeroPrintsNoTraceLines) {
  const ProbeResult with = RunProbe(nullptr, {"report"});
  const ProbeResult without = RunProbe("stack_depth=0", {"report"});
  EXPECT_GT(CountTraceLines(with.err), 0) << with.err;
  EXPECT_EQ(CountTraceLines(without.err), 0) << without.err;
  EXPECT_EQ(CountOccurrences(without.err, kCircular), 1) << without.err;
  EXPECT_EQ(without.exit_code, 66);
}

TEST(Options, UnknownKeyPrintsOneLineAndIsIgnored) {
  const ProbeResult r = RunProbe("nosuchkey=1", {"report"});
  EXPECT_EQ(CountLinesContaining(r.err, "nosuchkey"), 1) << r.err;
  for (const std::string& line : Lines(r.err)) {
    if (line.find("nosuchkey") != std::string::npos) {
      EXPECT_FALSE(IsTitleLine(line)) << line;
    }
  }
  EXPECT_EQ(r.exit_code, 66) << r.err;  // every option keeps its default
  EXPECT_EQ(CountOccurrences(r.err, kCircular), 1) << r.err;
}

TEST(Options, BadValuePrintsOneLineAndIsIgnored) {
  const ProbeResult r = RunProbe("exitcode=abc", {"report"});
  // One option-error line naming both; the exit-status line names the option
  // too, but is no error.
  EXPECT_EQ(CountLinesContaining(r.err, "LOCKDEP_OPTIONS: "), 1) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "'abc' for exitcode"), 1) << r.err;
  EXPECT_EQ(r.exit_code, 66) << r.err;  // the default stays
}

TEST(Options, OtherOptionsOfABadListStillApply) {
  const ProbeResult r = RunProbe("nosuchkey=1:exitcode=9", {"report"});
  EXPECT_EQ(CountLinesContaining(r.err, "nosuchkey"), 1) << r.err;
  EXPECT_EQ(r.exit_code, 9) << r.err;
}

TEST(Options, CommaAndColonBothSeparate) {
  for (const char* options : {"exitcode=3,stack_depth=0", "exitcode=3:stack_depth=0"}) {
    SCOPED_TRACE(options);
    const ProbeResult r = RunProbe(options, {"report"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(CountTraceLines(r.err), 0) << r.err;
    EXPECT_EQ(CountLinesContaining(r.err, "LOCKDEP_OPTIONS: "), 0) << r.err;
  }
}

// A fresh directory under TEST_TMPDIR for one test's dump files.
std::string DumpDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

bool HasDependency(const lockdep::graph::Graph& g, const std::string& from,
                   const std::string& to) {
  for (const auto& d : g.dependencies()) {
    if (g.classes(int(d.from())).name() == from && g.classes(int(d.to())).name() == to) {
      return true;
    }
  }
  return false;
}

std::string ReadFile(const std::string& path) {
  std::string text;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) text.append(buf, n);
    std::fclose(f);
  }
  return text;
}

// Every path option expands %p the same way; log_path then gets no suffix.
TEST(Options, EveryPathOptionExpandsPid) {
  const std::string dir = FreshDir("percent_p");
  const std::string options = "log_path=" + dir + "/log.%p.txt:json_path=" + dir +
                              "/j.%p.json:dump_text=" + dir + "/t.%p.txt";
  const ProbeResult r = RunProbe(options.c_str(), {"report"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 3u) << r.err;
  EXPECT_THAT(names[0], ::testing::MatchesRegex("j\\.[0-9]+\\.json"));
  EXPECT_THAT(names[1], ::testing::MatchesRegex("log\\.[0-9]+\\.txt"));
  EXPECT_THAT(names[2], ::testing::MatchesRegex("t\\.[0-9]+\\.txt"));
  // One pid in all three names: the one process that wrote them.
  EXPECT_EQ(names[0].substr(2, names[0].size() - 7), names[1].substr(4, names[1].size() - 8));
  EXPECT_EQ(names[1].substr(4, names[1].size() - 8), names[2].substr(2, names[2].size() - 6));
  EXPECT_EQ(CountOccurrences(ReadFile(dir + "/" + names[1]), kCircular), 1);
}

TEST(Options, DumpGraphAndTextAreWrittenAtExit) {
  const std::string dir = DumpDir("dump_at_exit");
  const std::string options = "dump_graph=" + dir + "/g-%p.pb:dump_text=" + dir + "/g.txt";
  const ProbeResult r = RunProbe(options.c_str(), {"report"});
  EXPECT_EQ(CountLinesContaining(r.err, "LOCKDEP_OPTIONS: "), 0) << r.err;
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "dump_"), 0) << r.err;
  // %p became the pid: the only .pb file there.
  std::string graph_file;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("g-", 0) == 0 && name.size() > 5 && name.substr(name.size() - 3) == ".pb") {
        graph_file = dir + "/" + name;
      }
    }
    closedir(d);
  }
  ASSERT_FALSE(graph_file.empty());
  EXPECT_THAT(graph_file, ::testing::MatchesRegex(".*/g-[0-9]+\\.pb"));
  absl::StatusOr<lockdep::graph::Graph> g = lockdep::ReadGraphFile(graph_file);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(HasDependency(*g, "probe_A", "probe_B"));
  // The reported inversion is learnt too: validation goes on after a report.
  EXPECT_TRUE(HasDependency(*g, "probe_B", "probe_A"));
  EXPECT_EQ(g->stats().reports(), 2u);
  EXPECT_EQ(g->processes(0).program(), "options_probe");
  const std::string text = ReadFile(dir + "/g.txt");
  EXPECT_THAT(text, HasSubstr("all lock classes:"));
  EXPECT_THAT(text, HasSubstr(": probe_A\n -> [EN] probe_B\n"));
}

TEST(Options, HaltOnReportStillWritesTheDumps) {
  const std::string dir = DumpDir("dump_at_abort");
  const std::string options =
      "halt_on_report=1:dump_graph=" + dir + "/g.pb:dump_text=" + dir + "/g.txt";
  const ProbeResult r = RunProbe(options.c_str(), {"report"});
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(r.signal, SIGABRT) << r.err;
  absl::StatusOr<lockdep::graph::Graph> g = lockdep::ReadGraphFile(dir + "/g.pb");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(HasDependency(*g, "probe_A", "probe_B"));
  EXPECT_EQ(g->stats().reports(), 1u);
  EXPECT_THAT(ReadFile(dir + "/g.txt"), HasSubstr("probe_B"));
}

TEST(Options, MissingDumpDirectoryIsOneLineAtStartUp) {
  const std::string dir = DumpDir("dump_missing");
  const std::string options =
      "dump_graph=" + dir + "/none/g.pb:dump_text=" + dir + "/none/g.txt";
  const ProbeResult r = RunProbe(options.c_str(), {"report"});
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "dump_graph="), 1) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "dump_text="), 1) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "/none does not exist"), 2) << r.err;
  // Said at start-up, before the program ran, and not again at exit.
  EXPECT_LT(r.err.find("dump_graph="), r.err.find(kAfterFirstReport)) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "cannot write"), 0) << r.err;
}

TEST(Options, DumpWriteErrorIsOneLineAtExit) {
  // The directory exists, but the path is itself a directory: the rename of
  // the finished file onto it fails at exit.
  const std::string dir = DumpDir("dump_write_error");
  DumpDir("dump_write_error/taken");
  const std::string options = "dump_graph=" + dir + "/taken";
  const ProbeResult r = RunProbe(options.c_str(), {"clean"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "lockdep: "), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("lockdep: dump_graph: cannot write " + dir + "/taken: "));
}

}  // namespace
