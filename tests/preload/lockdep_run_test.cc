// tools/lockdep-run: finds the library from its runfiles, sets LD_PRELOAD
// and LOCKDEP_OPTIONS (dump_graph first, the user's options kept), passes
// the program's exit status through and says where the graph went.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/preload/child_process.h"

namespace lockdep::testing {
namespace {

using ::testing::HasSubstr;

class LockdepRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SanitizerBuild()) {
      GTEST_SKIP() << kSanitizerSkipReason;
    }
  }

  // The script as the runfiles tree holds it (not resolved to the source
  // tree), so it finds the library beside it.
  static std::string Script() {
    char cwd[4096];
    return std::string(getcwd(cwd, sizeof(cwd)) ? cwd : ".") + "/tools/lockdep_run";
  }

  // A fresh, empty directory under the test's temporary directory.
  static std::string TempDir(const std::string& name) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string dir = std::string(tmp ? tmp : "/tmp") + "/" + name;
    RunChild({"/bin/rm", "-rf", dir}, {});
    mkdir(dir.c_str(), 0755);
    return dir;
  }

  static int Entries(const std::string& dir) {
    int n = 0;
    if (DIR* d = opendir(dir.c_str())) {
      while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
      closedir(d);
    }
    return n;
  }

  static std::string GraphPattern() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    return std::string(tmp ? tmp : "/tmp") + "/graph.%p.pb";
  }
};

TEST_F(LockdepRunTest, ReportsThroughThePreloadAndSaysWhereTheGraphGoes) {
  ChildResult r = RunChild(
      {Script(), "--graph", GraphPattern(), Runfile("tests/preload/abba")},
      {"LOCKDEP_OPTIONS=", "LD_PRELOAD="});
  EXPECT_THAT(r.err, HasSubstr("possible circular locking dependency detected"));
  EXPECT_THAT(r.out, HasSubstr("abba: done"));
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.code, 66) << r.err;
  // The last line names the graph file, which holds the inversion as a
  // graph file of linked-in use does.
  const std::string kWritten = "lockdep-run: lock graph written to ";
  size_t at = r.err.rfind(kWritten);
  ASSERT_NE(at, std::string::npos) << r.err;
  std::string file = r.err.substr(at + kWritten.size());
  file = file.substr(0, file.find('\n'));
  std::string dir = GraphPattern().substr(0, GraphPattern().rfind('/'));
  EXPECT_EQ(file.rfind(dir + "/graph.", 0), 0u) << file;
  ChildResult cycles = RunChild({Runfile("tools/lockgraph"), "cycles", file}, {});
  EXPECT_EQ(cycles.code, 1) << cycles.err;
  EXPECT_THAT(cycles.out, HasSubstr("cycle 1: &a -> &b -> &a")) << cycles.out;
}

TEST_F(LockdepRunTest, KeepsTheUsersOptions) {
  ChildResult r = RunChild({Script(), Runfile("tests/preload/abba")},
                           {"LOCKDEP_OPTIONS=exitcode=0", "LD_PRELOAD=",
                            "LOCKDEP_GRAPH=" + GraphPattern()});
  EXPECT_THAT(r.err, HasSubstr("possible circular locking dependency detected"));
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(LockdepRunTest, CleanProgramKeepsItsExitStatus) {
  ChildResult r = RunChild({Script(), Runfile("tests/preload/condvar")},
                           {"LOCKDEP_OPTIONS=", "LD_PRELOAD=",
                            "LOCKDEP_GRAPH=" + GraphPattern()});
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("WARNING: ")));
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.code, 0) << r.err;
}

// Without --graph (or LOCKDEP_GRAPH) nothing is written: not into the
// directory the program runs in, nor anywhere it says.
TEST_F(LockdepRunTest, WritesNoGraphUnlessAsked) {
  const std::string dir = TempDir("unasked");
  ChildResult r = RunChild({"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir, Script(),
                            Runfile("tests/preload/abba")},
                           {"LOCKDEP_OPTIONS=", "LD_PRELOAD=", "LOCKDEP_GRAPH="});
  EXPECT_THAT(r.err, HasSubstr("possible circular locking dependency detected"));
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("lock graph")));
  EXPECT_EQ(Entries(dir), 0) << "files appeared in " << dir;
}

// --graph DIR: one file per process in the directory the user named.
TEST_F(LockdepRunTest, GraphIntoADirectoryTheUserNames) {
  const std::string dir = TempDir("graphs");
  ChildResult r = RunChild({Script(), "--graph", dir, Runfile("tests/preload/abba")},
                           {"LOCKDEP_OPTIONS=", "LD_PRELOAD=", "LOCKDEP_GRAPH="});
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_THAT(r.err, HasSubstr("lockdep-run: lock graph written to " + dir + "/lockdep-abba."));
  EXPECT_EQ(Entries(dir), 1);
}

// Two runs of one program, each taking one order of two locks: their
// graphs merged hold both classes apart and the cycle between them (each
// run's first class is a different lock; a class's identity is its name,
// not the slot the library's key pool gave it).
TEST_F(LockdepRunTest, MergedGraphsOfTwoRunsKeepTheirClassesApart) {
  const std::string dir = TempDir("two_runs");
  const std::string one = dir + "/transfer.pb", two = dir + "/audit.pb", both = dir + "/both.pb";
  const std::vector<std::string> env = {"LOCKDEP_OPTIONS=", "LD_PRELOAD=", "LOCKDEP_GRAPH="};
  EXPECT_EQ(RunChild({Script(), "--graph", one, Runfile("tests/preload/two_paths"), "transfer"},
                     env).code, 0);
  EXPECT_EQ(RunChild({Script(), "--graph", two, Runfile("tests/preload/two_paths"), "audit"},
                     env).code, 0);
  ChildResult merge = RunChild({Runfile("tools/lockgraph"), "merge", "-o", both, one, two}, {});
  ASSERT_EQ(merge.code, 0) << merge.err;
  ChildResult cycles = RunChild({Runfile("tools/lockgraph"), "cycles", both}, {});
  EXPECT_EQ(cycles.code, 1) << cycles.out;
  EXPECT_THAT(cycles.out, HasSubstr("cycle 1: &ledger -> &journal -> &ledger"));
}

// LOCKDEP_OPTIONS may separate its entries with spaces, as the runtime
// reads them: the user's dump_graph is still found and named.
TEST_F(LockdepRunTest, FindsTheUsersDumpGraphAmongSpaceSeparatedOptions) {
  const std::string dir = TempDir("spaced");
  ChildResult r = RunChild(
      {Script(), "--graph", dir + "/ignored.pb", Runfile("tests/preload/abba")},
      {"LOCKDEP_OPTIONS=verbosity=1 dump_graph=" + dir + "/users.%p.pb", "LD_PRELOAD=",
       "LOCKDEP_GRAPH="});
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_THAT(r.err, HasSubstr("lockdep-run: lock graph written to " + dir + "/users."));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("no lock graph file was written")));
  EXPECT_EQ(Entries(dir), 1);
}

// A path LOCKDEP_OPTIONS cannot carry is refused, not cut at the space;
// a missing program is said in the tool's words.
TEST_F(LockdepRunTest, RefusesWhatItCannotRun) {
  const std::string dir = TempDir("my dir");
  ChildResult spaced = RunChild({Script(), "--graph", dir + "/", Runfile("tests/preload/abba")},
                                {"LOCKDEP_OPTIONS=", "LD_PRELOAD=", "LOCKDEP_GRAPH="});
  EXPECT_EQ(spaced.code, 2);
  EXPECT_THAT(spaced.err, HasSubstr("contains a space, ':' or ','"));
  EXPECT_THAT(spaced.err, ::testing::Not(HasSubstr("WARNING:"))) << "the program ran";
  ChildResult missing = RunChild({Script(), dir + "/no_such_program"},
                                 {"LOCKDEP_OPTIONS=", "LD_PRELOAD=", "LOCKDEP_GRAPH="});
  EXPECT_EQ(missing.code, 127);
  EXPECT_THAT(missing.err, HasSubstr("lockdep-run: " + dir + "/no_such_program: no such program"));
}

// halt_on_report=1 aborts the program: the graph is still written, and
// the tool says how it ended instead of bash's "line N: PID Aborted".
TEST_F(LockdepRunTest, AProgramKilledByASignalIsSaidPlainly) {
  const std::string dir = TempDir("halted");
  ChildResult r = RunChild({Script(), "--graph", dir + "/g.pb", Runfile("tests/preload/abba")},
                           {"LOCKDEP_OPTIONS=halt_on_report=1", "LD_PRELOAD=", "LOCKDEP_GRAPH="});
  EXPECT_EQ(r.code, 128 + SIGABRT) << r.err;
  EXPECT_THAT(r.err, HasSubstr("abba was killed by SIGABRT"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("Aborted")));
  EXPECT_THAT(r.err, HasSubstr("lockdep-run: lock graph written to " + dir + "/g.pb"));
}

// With --graph the program runs as the script's child: a TERM to the
// script alone (timeout --foreground sends it to its child only) reaches
// the program too, instead of
// leaving it running without its parent.
TEST_F(LockdepRunTest, ASignalToTheToolReachesTheProgram) {
  const std::string dir = TempDir("signalled");
  const std::string pid_file = dir + "/pid";
  ChildResult r = RunChild({"/usr/bin/timeout", "--foreground", "2", Script(), "--graph",
                            dir + "/g.pb", "/bin/sh", "-c", "echo $$ > \"$0\"; exec sleep 60",
                            pid_file},
                           {"LOCKDEP_OPTIONS=", "LD_PRELOAD=", "LOCKDEP_GRAPH="});
  EXPECT_EQ(r.code, 124) << r.err;  // timeout's: it had to send TERM
  ChildResult cat = RunChild({"/bin/cat", pid_file}, {});
  const pid_t pid = static_cast<pid_t>(std::atol(cat.out.c_str()));
  ASSERT_GT(pid, 0) << cat.out;
  // The program (sleep, in the shell's place) was ended by the TERM; give
  // the kernel a moment to reap it.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = kill(pid, 0) != 0;
    if (!gone) usleep(50 * 1000);
  }
  EXPECT_TRUE(gone) << "pid " << pid << " still runs\n" << r.err;
  if (!gone) kill(pid, SIGKILL);
}

TEST_F(LockdepRunTest, HelpAndUsage) {
  ChildResult help = RunChild({Script(), "--help"}, {});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("usage: lockdep-run"));
  ChildResult bare = RunChild({Script()}, {});
  EXPECT_EQ(bare.code, 2);
  EXPECT_THAT(bare.err, HasSubstr("usage: lockdep-run"));
}

}  // namespace
}  // namespace lockdep::testing
