// LOCKDEP_OPTIONS is read once at start-up, so each case runs options_probe
// (tests/options_probe.cc) as a child process with its own LOCKDEP_OPTIONS and
// checks the child's stderr and exit status against SPEC.md's options table.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/graph_file.h"
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

struct ProbeResult {
  bool exited = false;  // normal exit (then exit_code), else killed (signal)
  int exit_code = -1;
  int signal = 0;
  std::string err;  // everything the probe wrote to stderr
};

// Runs the probe with `args`, LOCKDEP_OPTIONS set to `options` (unset when
// nullptr), stdout discarded, stderr captured, no core dump.
ProbeResult RunProbe(const char* options, std::vector<std::string> args) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "LOCKDEP_OPTIONS=", 16) != 0) env.push_back(*e);
  }
  if (options != nullptr) env.push_back(std::string("LOCKDEP_OPTIONS=") + options);
  args.insert(args.begin(), kProbe);
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  ProbeResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return result;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return result;
  }
  if (pid == 0) {  // child: async-signal-safe calls only
    const rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    dup2(fds[1], 2);
    execve(kProbe, argv.data(), envp.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n > 0) {
      result.err.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
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

TEST(Options, VerbosityTwoAddsASummaryLineAtExit) {
  const ProbeResult v1 = RunProbe("stack_depth=0", {"report"});
  const ProbeResult v2 = RunProbe("stack_depth=0:verbosity=2", {"report"});
  EXPECT_EQ(v1.exit_code, 66) << v1.err;
  EXPECT_EQ(v2.exit_code, 66) << v2.err;
  const std::string a = WithoutNumbers(v1.err);
  const std::string b = WithoutNumbers(v2.err);
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
  EXPECT_EQ(CountLinesContaining(r.err, "exitcode"), 1) << r.err;
  EXPECT_EQ(CountLinesContaining(r.err, "abc"), 1) << r.err;
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
    EXPECT_EQ(CountLinesContaining(r.err, "LOCKDEP_OPTIONS"), 0) << r.err;
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

TEST(Options, DumpGraphAndTextAreWrittenAtExit) {
  const std::string dir = DumpDir("dump_at_exit");
  const std::string options = "dump_graph=" + dir + "/g-%p.pb:dump_text=" + dir + "/g.txt";
  const ProbeResult r = RunProbe(options.c_str(), {"report"});
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
  // The reported inversion was never learnt as a dependency.
  EXPECT_FALSE(HasDependency(*g, "probe_B", "probe_A"));
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
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_THAT(r.err, HasSubstr("lockdep: dump_graph: cannot write " + dir + "/taken: "));
}

}  // namespace
