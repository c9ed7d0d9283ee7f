// The ipw driver example (examples/ipw_driver): the correct design and the
// big-lock design run clean under load; each classic mistake produces exactly
// its report. Each variant runs in-process from an empty graph, for a bounded
// time, with every driver thread joined before the checks.
#include <chrono>
#include <string>

#include "examples/ipw_driver/driver.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::chrono::milliseconds kRunTime{300};

class IpwDriverTest : public lockdep_test::LockdepTest {
 protected:
  ipw::Stats Run(ipw::Variant v) {
    ipw::Options options;
    options.variant = v;
    options.duration = kRunTime;
    options.ioctl_threads = 2;
    return ipw::RunDriver(options);
  }
};

TEST_F(IpwDriverTest, CorrectDesignRunsClean) {
  const ipw::Stats s = Run(ipw::Variant::kCorrect);
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_GT(s.tx_frames, 0);
  EXPECT_GT(s.rx_frames, 0);
  EXPECT_GT(s.commands_ok, 0);
  EXPECT_GT(s.scans_read, 0);
  EXPECT_GT(s.networks_known, 0);
  EXPECT_EQ(s.commands_timed_out, 0);
}

TEST_F(IpwDriverTest, BigLockDesignRunsCleanToo) {
  const ipw::Stats s = Run(ipw::Variant::kBigLock);
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_GT(s.tx_frames, 0);
  EXPECT_GT(s.commands_ok, 0);
  EXPECT_EQ(s.commands_timed_out, 0);
}

TEST_F(IpwDriverTest, RingLockWithIrqsOnIsInconsistentLockState) {
  Run(ipw::Variant::kRingLockIrqsOn);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kInconsistentLockState));
  const lockdep::Report r = lockdep_test::OnlyReport();
  EXPECT_THAT(r.text, HasSubstr("&priv->lock"));
  EXPECT_THAT(r.text, HasSubstr("SOFTIRQ"));
}

TEST_F(IpwDriverTest, SleepingForACommandWithTheLockHeld) {
  const ipw::Stats s = Run(ipw::Variant::kSleepWithLock);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic));
  EXPECT_THAT(lockdep_test::OnlyReport().text, HasSubstr("&priv->lock"));
  // The tasklet needs the lock the sleeper holds: the command times out.
  EXPECT_GT(s.commands_timed_out, 0);
}

TEST_F(IpwDriverTest, AnswerWorkTakingTheMutexTheSenderHolds) {
  const ipw::Stats s = Run(ipw::Variant::kWorkqueueAnswer);
  // One cycle, or two when a sender reached cmd_sem holding priv->mutex
  // after another had already waited for the answer under it: mutex ->
  // cmd_sem -> cmd_done -> mutex (which comes first is the threads' timing).
  ASSERT_THAT(Kinds(), AllOf(Not(IsEmpty()), Each(ReportKind::kCircularWait)));
  ASSERT_LE(Kinds().size(), 2u);
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    EXPECT_THAT(r.text, HasSubstr("&priv->mutex"));
    EXPECT_THAT(r.text, HasSubstr("&priv->cmd_done"));
  }
  EXPECT_GT(s.commands_ok, 0);
}

TEST_F(IpwDriverTest, VariantsAndGraphs) {
  for (ipw::Variant v : {ipw::Variant::kCorrect, ipw::Variant::kRingLockIrqsOn,
                         ipw::Variant::kSleepWithLock, ipw::Variant::kBigLock,
                         ipw::Variant::kWorkqueueAnswer}) {
    ipw::Variant parsed;
    ASSERT_TRUE(ipw::ParseVariant(ipw::VariantName(v), &parsed));
    EXPECT_EQ(parsed, v);
  }
  ipw::Variant unused;
  EXPECT_FALSE(ipw::ParseVariant("nonsense", &unused));
  EXPECT_THAT(ipw::DescribeLockGraph(ipw::Variant::kBigLock),
              HasSubstr("&priv->big_lock -> &priv->lock"));
  EXPECT_THAT(ipw::DescribeLockGraph(ipw::Variant::kCorrect),
              HasSubstr("&priv->mutex -> &priv->lock"));
}

}  // namespace
