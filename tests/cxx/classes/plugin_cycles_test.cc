// A library unloaded with dlclose() and another loaded at its addresses:
// the runtime must not class the new library's locks, or print its frames,
// from what it learnt about the old one (plugin_probe.cc).
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/run_program.h"

namespace {

using ::lockdep::testing::ProbeRun;
using ::lockdep::testing::RunProgram;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(PluginCycles, AnotherLibraryAtTheSameAddressHasItsOwnClassesAndFrames) {
  const ProbeRun r = RunProgram("tests/cxx/classes/plugin_probe", {});
  if (r.err.find("B was loaded elsewhere") != std::string::npos) {
    GTEST_SKIP() << "the loader did not reuse A's addresses for B";
  }
  ASSERT_THAT(r.err, HasSubstr("B was loaded at A's address"));
  // A takes first -> second, B second -> first: no cycle between them.
  EXPECT_THAT(r.err, Not(HasSubstr("possible circular locking dependency")));
  // The one report, B's, names B's class and B's source.
  EXPECT_THAT(r.err, HasSubstr("possible recursive locking detected"));
  EXPECT_THAT(r.err, HasSubstr("PairB::first (plugin_b.cc:8)"));
  EXPECT_THAT(r.err, HasSubstr("(plugin_b.cc:"));
  EXPECT_THAT(r.err, Not(HasSubstr("plugin_a.cc"))) << r.err;
  EXPECT_EQ(r.exit_code, 66);
}

}  // namespace
