// tools/lockdep-run --confirm: each predicted cycle rerun with the schedule
// steered into it, and one verdict per cycle: confirmed (with the seed that
// replays it), gated, or not reproduced and why.
//
// Every run is bounded by the tool itself (the runtime's watchdog ends a
// deadlock with status 67; each run has a timeout) and by --budget here.
#include <unistd.h>

#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <regex>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/preload/child_process.h"

namespace lockdep::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConfirmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (SanitizerBuild()) GTEST_SKIP() << kSanitizerSkipReason;
  }

  static std::string Script() {
    char cwd[4096];
    return std::string(getcwd(cwd, sizeof(cwd)) ? cwd : ".") + "/tools/lockdep_run";
  }

  static std::string Temp(const std::string& name) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    return std::string(tmp ? tmp : "/tmp") + "/" + name;
  }

  static ChildResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), Script());
    return RunChild(args, {"LOCKDEP_OPTIONS=", "LD_PRELOAD=", "LOCKDEP_GRAPH="});
  }

  // The seed of "cycle C: ...: confirmed (seed S, try K)", or -1.
  static int ConfirmedSeed(const std::string& err) {
    std::smatch m;
    static const std::regex kLine(R"(: confirmed \(seed (\d+), try \d+\))");
    return std::regex_search(err, m, kLine) ? std::stoi(m[1]) : -1;
  }
};

// Five philosophers dining at once: confirmed, and the seed replays it.
TEST_F(ConfirmTest, DiningPhilosophersConfirmedAndReplayed) {
  const std::string graph = Temp("dining.pb");
  // With the watch on, as lockdep-run's own recording run: the rare
  // unsteered deadlock ends with 67 (its graph still written), not a hang.
  ChildResult record = RunChild({Script(), "--graph", graph, Runfile("tests/preload/dining")},
                                {"LOCKDEP_OPTIONS=confirm_watchdog=1", "LD_PRELOAD=",
                                 "LOCKDEP_GRAPH="});
  ASSERT_TRUE(record.code == 66 || record.code == 67) << record.err;

  ChildResult r = Run({"--confirm", "--tries=10", "--budget=120", "--cycles=" + graph,
                       Runfile("tests/preload/dining")});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.code, 67) << r.err;
  EXPECT_THAT(r.err, HasSubstr("WARNING: deadlock confirmed"));
  EXPECT_THAT(r.err, HasSubstr("5 threads wait for each other"));
  EXPECT_THAT(r.err, HasSubstr("lockdep-run: cycle 1: &forks"));
  const int seed = ConfirmedSeed(r.err);
  ASSERT_GE(seed, 0) << r.err;

  // The seed repeats the steering, not the OS's schedule: a few tries.
  ChildResult again = Run({"--confirm", "--replay=" + std::to_string(seed), "--tries=3",
                           "--budget=60", "--cycles=" + graph, Runfile("tests/preload/dining")});
  EXPECT_EQ(again.code, 67) << again.err;
  EXPECT_EQ(ConfirmedSeed(again.err), seed) << again.err;
}

// The classic ABBA whose threads run one after the other: lockdep reports
// it, the confirmation cannot make it happen, and says why.
TEST_F(ConfirmTest, AbbaThatNeverOverlapsIsNotReproduced) {
  ChildResult r = Run({"--confirm", "--tries=3", "--budget=120", Runfile("tests/preload/abba")});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.code, 66) << r.err;  // the recording run's: it reported
  EXPECT_THAT(r.err, HasSubstr("possible circular locking dependency detected"));
  EXPECT_THAT(r.err, Not(HasSubstr("deadlock confirmed")));
  EXPECT_THAT(r.err, HasSubstr("lockdep-run: cycle 1: &a -> &b -> &a: not reproduced in 3 tries: "
                               "the threads never ran concurrently"));
}

// Both orders under one outer lock: reported with its gate, not reproduced.
TEST_F(ConfirmTest, GatedAbbaIsNotReproducedAndNamesItsGate) {
  ChildResult r =
      Run({"--confirm", "--tries=2", "--budget=120", Runfile("tests/preload/gated_abba")});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("deadlock confirmed")));
  EXPECT_THAT(r.err, HasSubstr("note: every dependency of this cycle was taken holding &gate"));
  EXPECT_THAT(r.err, HasSubstr("not reproduced in 2 tries: gated by &gate"));
}

// Each run takes one order; only the merged graph has the cycle. A run that
// takes both paths at once confirms it.
TEST_F(ConfirmTest, CycleOfMergedGraphsConfirmedByARunTakingBothPaths) {
  const std::string one = Temp("transfer.pb"), two = Temp("audit.pb"), merged = Temp("both.pb");
  EXPECT_EQ(Run({"--graph", one, Runfile("tests/preload/two_paths"), "transfer"}).code, 0);
  EXPECT_EQ(Run({"--graph", two, Runfile("tests/preload/two_paths"), "audit"}).code, 0);
  ChildResult merge = RunChild({Runfile("tools/lockgraph"), "merge", "-o", merged, one, two}, {});
  ASSERT_EQ(merge.code, 0) << merge.err;
  // Each run's first class is a different lock: the merge keeps them apart
  // (the preload library names its classes' identity by their names).
  ChildResult cycles = RunChild({Runfile("tools/lockgraph"), "cycles", merged}, {});
  EXPECT_EQ(cycles.code, 1) << cycles.out;
  EXPECT_THAT(cycles.out, HasSubstr("cycle 1: &ledger -> &journal -> &ledger"));

  ChildResult r = Run({"--confirm", "--tries=10", "--budget=120", "--cycles=" + merged,
                       Runfile("tests/preload/two_paths"), "both"});
  EXPECT_EQ(r.code, 67) << r.err;
  EXPECT_THAT(r.err, HasSubstr("WARNING: deadlock confirmed"));
  EXPECT_THAT(r.err, HasSubstr("lockdep-run: cycle 1: &ledger -> &journal -> &ledger: confirmed"))
      << r.err;
}

// A small cache server (tests/preload/kvcache.c) with a planted lock-order
// inversion between its table and its LRU list.
TEST_F(ConfirmTest, PlantedDeadlockInACacheServerIsConfirmed) {
  ChildResult r =
      Run({"--confirm", "--tries=10", "--budget=120", Runfile("tests/preload/kvcache")});
  EXPECT_EQ(r.code, 67) << r.err;
  EXPECT_THAT(r.err, HasSubstr("WARNING: deadlock confirmed"));
  EXPECT_THAT(r.err, HasSubstr("(&lru_lock)"));
  EXPECT_THAT(r.err, HasSubstr("(&table_lock)"));
}

// Without --cycles, the report's replay line names the graph the tool
// recorded: it is kept (it was once removed with the run's scratch
// directory), and it replays.
TEST_F(ConfirmTest, TheRecordedGraphIsKeptForTheReplayLine) {
  ChildResult r =
      Run({"--confirm", "--tries=10", "--budget=120", Runfile("tests/preload/dining")});
  EXPECT_EQ(r.code, 67) << r.err;
  if (r.err.find("the recording run deadlocked by itself") != std::string::npos) {
    // Rare: nothing was steered, so there is nothing to replay or keep.
    EXPECT_THAT(r.err, Not(HasSubstr("kept for --replay")));
    return;
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(--confirm --cycles=(\S+) --replay=(\d+))")))
      << r.err;
  const std::string kept = m[1], seed = m[2];
  EXPECT_THAT(r.err, HasSubstr("lockdep-run: the recorded lock graph is kept for --replay: " + kept));
  ASSERT_TRUE(std::ifstream(kept).good()) << kept;
  ChildResult again = Run({"--confirm", "--cycles=" + kept, "--replay=" + seed, "--tries=10",
                           "--budget=120", Runfile("tests/preload/dining")});
  EXPECT_EQ(again.code, 67) << again.err;
  std::remove(kept.c_str());
}

// Nothing confirmed: the recording made for the run is not left behind.
TEST_F(ConfirmTest, AnUnconfirmedRunLeavesNoRecordingBehind) {
  const std::string dir = Temp("scratch");
  RunChild({"/bin/rm", "-rf", dir}, {});
  ASSERT_EQ(RunChild({"/bin/mkdir", "-p", dir}, {}).code, 0);
  ChildResult r = RunChild({Script(), "--confirm", "--tries=1", "--budget=60",
                            Runfile("tests/preload/abba")},
                           {"LOCKDEP_OPTIONS=", "LD_PRELOAD=", "LOCKDEP_GRAPH=", "TMPDIR=" + dir});
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not reproduced"));
  EXPECT_THAT(r.err, Not(HasSubstr("kept for --replay")));
  ChildResult ls = RunChild({"/bin/ls", "-A", dir}, {});
  EXPECT_EQ(ls.out, "") << "left in " << dir;
}

// Bad input is refused before any run, in one line that says why.
TEST_F(ConfirmTest, BadArgumentsAreRefusedUpFront) {
  const std::string bad = Temp("not_a_graph.pb");
  RunChild({"/bin/sh", "-c", "echo junk > \"$0\"", bad}, {});
  ChildResult corrupt = Run({"--confirm", "--cycles=" + bad, Runfile("tests/preload/abba")});
  EXPECT_EQ(corrupt.code, 2);
  EXPECT_THAT(corrupt.err, HasSubstr("is not a lock graph file"));
  EXPECT_THAT(corrupt.err, Not(HasSubstr("WARNING:"))) << "the program ran";
  for (const char* zero : {"--tries=0", "--budget=0"}) {
    ChildResult r = Run({"--confirm", zero, Runfile("tests/preload/abba")});
    EXPECT_EQ(r.code, 2) << zero;
    EXPECT_THAT(r.err, HasSubstr("must be at least 1")) << zero;
  }
}

// A program that never takes the cycle's locks: every site unreached, and
// the run ends on its own.
TEST_F(ConfirmTest, ProgramThatNeverReachesTheCycleSaysSo) {
  const std::string graph = Temp("abba_only.pb");
  ASSERT_EQ(Run({"--graph", graph, Runfile("tests/preload/abba")}).code, 66);
  ChildResult r = Run({"--confirm", "--tries=1", "--budget=60", "--cycles=" + graph,
                       Runfile("tests/preload/condvar")});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("not reproduced in 1 try: the program never reached the cycle's "
                               "dependencies"));
}

// A program that deadlocks every time: the recording run's watch reports
// it and ends it (status 67) instead of hanging; nothing left to steer.
TEST_F(ConfirmTest, DeadlockOfTheRecordingRunIsReportedNotWaitedFor) {
  ChildResult r = Run({"--confirm", "--budget=60", Runfile("tests/preload/sure_deadlock")});
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.code, 67) << r.err;
  EXPECT_THAT(r.err, HasSubstr("WARNING: deadlock confirmed"));
  EXPECT_THAT(r.err,
              HasSubstr("found by the deadlock watch (confirm_watchdog=1), without steering"));
  EXPECT_THAT(r.err, HasSubstr("lockdep-run: the recording run deadlocked by itself"));
  EXPECT_THAT(r.err, HasSubstr("lockdep: confirm: deadlock confirmed (unsteered)"));
}

// The same in a child forked after the watch started: the child gets a
// watch of its own (the parent's thread does not exist there).
TEST_F(ConfirmTest, DeadlockInAForkedChildIsReportedToo) {
  ChildResult r =
      Run({"--confirm", "--budget=60", Runfile("tests/preload/sure_deadlock"), "fork"});
  EXPECT_EQ(r.code, 67) << r.err;
  EXPECT_THAT(r.err, HasSubstr("WARNING: deadlock confirmed"));
}

// abba.c's two orders run one after the other: the recording run always
// records (a program that can deadlock unsteered, even rarely, would
// sometimes end the recording with that deadlock instead).
//
// LOCKDEP_OPTIONS=dump_graph=FILE: the recording run writes the graph
// where the user asked, and the steering uses it.
TEST_F(ConfirmTest, TheUsersDumpGraphIsWhereTheRecordingGoes) {
  const std::string graph = Temp("users_abba.pb");
  std::remove(graph.c_str());
  ChildResult r = RunChild({Script(), "--confirm", "--tries=1", "--budget=60",
                            Runfile("tests/preload/abba")},
                           {"LOCKDEP_OPTIONS=dump_graph=" + graph, "LD_PRELOAD=",
                            "LOCKDEP_GRAPH="});
  EXPECT_EQ(r.code, 66) << r.err;  // the recording run's: it reported
  EXPECT_THAT(r.err, HasSubstr("lock graph recorded in " + graph));
  EXPECT_THAT(r.err, HasSubstr("cycle 1: &a -> &b -> &a: not reproduced"));
  EXPECT_TRUE(std::ifstream(graph).good());
}

// dump_graph=PATH.%p names one file per process: the recording run cannot
// pass its file on there, records in a file of its own and names it
// (before, the user's option won over the script's, and the script found
// no graph: "the recording run wrote no lock graph").
TEST_F(ConfirmTest, APerProcessDumpGraphGetsTheRecordingItsOwnFile) {
  const std::string pattern = Temp("users_abba.%p.pb");
  ChildResult r = RunChild({Script(), "--confirm", "--tries=1", "--budget=60",
                            Runfile("tests/preload/abba")},
                           {"LOCKDEP_OPTIONS=dump_graph=" + pattern, "LD_PRELOAD=",
                            "LOCKDEP_GRAPH="});
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_THAT(r.err, HasSubstr("dump_graph=" + pattern +
                               " names a file per process; the recording run writes "));
  EXPECT_THAT(r.err, HasSubstr("cycle 1: &a -> &b -> &a: not reproduced"));
}

TEST_F(ConfirmTest, UsageNamesTheConfirmOptions) {
  ChildResult help = Run({"--help"});
  EXPECT_THAT(help.out, HasSubstr("--confirm [--tries=N] [--cycles=GRAPH.pb] [--replay=SEED]"));
  ChildResult bad = Run({"--replay=3", Runfile("tests/preload/abba")});
  EXPECT_EQ(bad.code, 2);
}

}  // namespace
}  // namespace lockdep::testing
