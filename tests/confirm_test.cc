// Confirmation in a program linked with the runtime (no LD_PRELOAD): the
// same LOCKDEP_OPTIONS as lockdep-run --confirm sets, run by hand. The
// preload side, and the tool, are tests/preload/confirm_test.cc.
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/run_program.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kProbe[] = "tests/confirm_probe";

std::string Temp(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/" + name;
}

TEST(ConfirmLinkedInTest, RecordedCycleIsSteeredIntoAndConfirmed) {
  const std::string graph = Temp("probe.pb");
  const std::string record = "dump_graph=" + graph + ":confirm_watchdog=1";
  lockdep::testing::ProbeRun first = lockdep::testing::RunProgram(kProbe, {}, record.c_str());
  ASSERT_TRUE(first.exited) << first.err;
  // 66: the ABBA reported; 67 when it deadlocked even unsteered (rare).
  ASSERT_TRUE(first.exit_code == 66 || first.exit_code == 67) << first.err;

  int tries = 0;
  lockdep::testing::ProbeRun steered;
  for (int seed = 1; seed <= 10 && steered.exit_code != 67; ++seed, ++tries) {
    const std::string options =
        "confirm_cycles=" + graph + ":confirm_seed=" + std::to_string(seed);
    steered = lockdep::testing::RunProgram(kProbe, {}, options.c_str());
  }
  EXPECT_EQ(steered.exit_code, 67) << steered.err;
  EXPECT_THAT(steered.err, HasSubstr("lockdep: confirm: cycle 1 of 1: "));
  EXPECT_THAT(steered.err, HasSubstr("WARNING: deadlock confirmed"));
  EXPECT_THAT(steered.err, HasSubstr("2 threads wait for each other"));
  EXPECT_THAT(steered.err, HasSubstr("(pool_lock)"));
  EXPECT_THAT(steered.err, HasSubstr("(stats_lock)"));
  EXPECT_THAT(steered.err, HasSubstr("lockdep: confirm: cycle 1 confirmed (seed "));
  // The steering and the watch are race-free (a sanitizer build says so
  // on the child's stderr; its exit status is ours, from _exit).
  EXPECT_THAT(first.err + steered.err, Not(HasSubstr("Sanitizer")));
  RecordProperty("tries", tries);
}

// Threads that take the cycle's pair 50 times each, one after the other:
// never reproduced, and the steering gives up pausing at a dependency where
// its pauses met nobody (once it paused at every pass: 16 s a try for a
// loop like this one).
TEST(ConfirmLinkedInTest, PausesThatMeetNobodyStopBeingMade) {
  const std::string graph = Temp("serial.pb");
  const std::string record = "dump_graph=" + graph + ":confirm_watchdog=1";
  lockdep::testing::ProbeRun first =
      lockdep::testing::RunProgram(kProbe, {"serial"}, record.c_str());
  ASSERT_EQ(first.exit_code, 66) << first.err;
  const std::string options = "confirm_cycles=" + graph + ":confirm_seed=1:exitcode=0";
  lockdep::testing::ProbeRun r = lockdep::testing::RunProgram(kProbe, {"serial"}, options.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.err, m, std::regex(R"(cycle 1 not reproduced \(seed 1\): the threads never ran )"
                           R"(concurrently .*; (\d+) pause\(s\)\))")))
      << r.err;
  // 100 passes at the cycle's two dependencies, three in four chosen by the
  // seed: about 75 pauses before; now 4 per dependency, then one in 16.
  EXPECT_LE(std::stoi(m[1]), 20) << r.err;
  EXPECT_GE(std::stoi(m[1]), 8) << "each dependency pauses a few times first\n" << r.err;
}

// A run the watchdog ends still writes the graph it asked for: lockdep-run's
// recording run can deadlock by itself, and its graph is what the steered
// runs read (CI once found that run's file missing).
TEST(ConfirmLinkedInTest, ADeadlockTheWatchdogEndsStillWritesTheGraph) {
  const std::string graph = Temp("met.pb");
  const std::string options = "dump_graph=" + graph + ":confirm_watchdog=1";
  lockdep::testing::ProbeRun r = lockdep::testing::RunProgram(kProbe, {"meet"}, options.c_str());
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 67) << r.err;
  EXPECT_THAT(r.err, HasSubstr("WARNING: deadlock confirmed"));
  EXPECT_THAT(r.err, HasSubstr("lockdep: confirm: deadlock confirmed (unsteered)"));
  std::ifstream in(graph, std::ios::binary);
  ASSERT_TRUE(in) << graph << " was not written\n" << r.err;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Class names are stored as they are in the protobuf's strings.
  EXPECT_THAT(bytes, HasSubstr("pool_lock"));
  EXPECT_THAT(bytes, HasSubstr("stats_lock"));
}

// Without cycles, the watchdog alone: a clean program is left alone.
TEST(ConfirmLinkedInTest, WatchdogLeavesAProgramThatEndsAlone) {
  lockdep::testing::ProbeRun r =
      lockdep::testing::RunProgram(kProbe, {}, "confirm_watchdog=1:exitcode=0");
  EXPECT_TRUE(r.exited) << r.err;
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 67) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("Sanitizer")));
}

}  // namespace
