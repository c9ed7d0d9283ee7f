// The classes of lockdep::Mutex members do not depend on the optimisation
// level or on where the user's sources sit: member_probe (member_probe.cc)
// is built at -O0, at -O2, and at -O2 with its debug information naming it
// external/foo/runtime/member_probe.cc (a user's directory that shares a
// name with lockdep's own), and each build must report the same problems.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/run_program.h"

namespace {

using ::lockdep::testing::ProbeRun;
using ::lockdep::testing::RunProgram;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCircular[] = "possible circular locking dependency detected";
constexpr char kRecursive[] = "possible recursive locking detected";

class MemberClasses : public ::testing::TestWithParam<const char*> {
 protected:
  ProbeRun Probe(const char* scenario) {
    return RunProgram(std::string("tests/cxx/classes/") + GetParam(), {scenario});
  }
};

TEST_P(MemberClasses, AbbaBetweenAnArrayElementAndAHeapObjectIsReported) {
  const ProbeRun r = Probe("abba");
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_THAT(r.err, HasSubstr(kCircular));
  EXPECT_THAT(r.err, HasSubstr("P::a (member_probe.cc:12)"));
  EXPECT_THAT(r.err, HasSubstr("P::b (member_probe.cc:13)"));
}

TEST_P(MemberClasses, OneMemberOfTwoArrayElementsIsOneClass) {
  const ProbeRun r = Probe("same_member");
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_THAT(r.err, HasSubstr(kRecursive));
  EXPECT_THAT(r.err, HasSubstr("P::a (member_probe.cc:12)"));
}

TEST_P(MemberClasses, OneOrderIsClean) {
  const ProbeRun r = Probe("in_order");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("WARNING")));
}

TEST_P(MemberClasses, MembersAreNamedByMemberAndCountedPerType) {
  const ProbeRun r = Probe("cache");
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_THAT(r.err, HasSubstr(kCircular));
  EXPECT_THAT(r.err, HasSubstr("Cache::map_mu (member_probe.cc:21)"));
  EXPECT_THAT(r.err, HasSubstr("Cache::stats_mu (member_probe.cc:23)"));
  // The report says where each class comes from.
  EXPECT_THAT(r.err, HasSubstr("member_probe.cc:"));
}

TEST_P(MemberClasses, TwoGlobalAccountsAreOneClass) {
  const ProbeRun r = Probe("transfer");
  EXPECT_EQ(r.exit_code, 66) << r.err;
  EXPECT_THAT(r.err, HasSubstr(kRecursive));
  EXPECT_THAT(r.err, Not(HasSubstr(kCircular)));
  EXPECT_THAT(r.err, HasSubstr("Account::mu (member_probe.cc:27)"));
}

INSTANTIATE_TEST_SUITE_P(Builds, MemberClasses,
                         ::testing::Values("member_probe_O0", "member_probe_O2",
                                           "member_probe_O2_elsewhere"));

}  // namespace
