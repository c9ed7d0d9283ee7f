// The interrupt-context checks through the hooks, with bare lockdep_maps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/graph/fake_lock.h"
#include "runtime/lockdep.h"
#include "runtime/report.h"

namespace lockdep {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

lock_class_key key_a, key_b, key_c;

// Runs `body` as a hard interrupt handler on this thread.
template <typename F>
void InHardirq(F body) {
  lockdep_hardirq_enter(0);
  body();
  lockdep_hardirq_exit(0);
}

template <typename F>
void InSoftirq(F body) {
  lockdep_softirq_enter(0);
  body();
  lockdep_softirq_exit(0);
}

class IrqChecksTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetForTesting(); }
  std::vector<ReportKind> Kinds() { return CollectedKinds(); }
  // Spinning locks, as the irq-safe locks of the kernel are.
  FakeLock a{"A", &key_a, 1}, b{"B", &key_b, 1}, c{"C", &key_c, 1};
};

TEST_F(IrqChecksTest, UsedInIrqAndWithIrqsOnIsInconsistent) {
  InHardirq([&] { a.Lock(); a.Unlock(); });
  a.Lock(); a.Unlock();  // irqs enabled
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kInconsistentLockState));
  EXPECT_THAT(CollectedReports()[0].text,
              HasSubstr("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage."));
}

TEST_F(IrqChecksTest, IrqSafeLockTakenWithIrqsOffIsClean) {
  InHardirq([&] { a.Lock(); a.Unlock(); });
  lockdep_hardirqs_off(0);
  a.Lock(); a.Unlock();
  lockdep_hardirqs_on(0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(IrqChecksTest, EnablingIrqsWhileHoldingMarksTheLock) {
  InHardirq([&] { a.Lock(); a.Unlock(); });
  lockdep_hardirqs_off(0);
  a.Lock();
  lockdep_hardirqs_on(0);  // now held with irqs on
  a.Unlock();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kInconsistentLockState));
}

TEST_F(IrqChecksTest, SafeToUnsafeOrder) {
  InHardirq([&] { a.Lock(); a.Unlock(); });  // A is hardirq-safe
  b.Lock(); b.Unlock();                      // B is hardirq-unsafe
  lockdep_hardirqs_off(0);
  a.Lock(); b.Lock(); b.Unlock(); a.Unlock();  // A -> B
  lockdep_hardirqs_on(0);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kIrqSafeToUnsafe));
  EXPECT_EQ(CollectedReports()[0].title,
            "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected");
  EXPECT_THAT(CollectedReports()[0].classes, ElementsAre("A", "B"));
}

TEST_F(IrqChecksTest, InversionFoundWhenUsageChangesLater) {
  lockdep_hardirqs_off(0);
  a.Lock(); b.Lock(); b.Unlock(); a.Unlock();  // A -> B, irqs off
  lockdep_hardirqs_on(0);
  b.Lock(); b.Unlock();                        // B hardirq-unsafe
  InHardirq([&] { a.Lock(); a.Unlock(); });    // A becomes hardirq-safe
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kIrqInversion));
}

TEST_F(IrqChecksTest, SoftirqVariant) {
  InSoftirq([&] { a.Lock(); a.Unlock(); });
  a.Lock(); a.Unlock();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kInconsistentLockState));
  ResetForTesting();
  InSoftirq([&] { a.Lock(); a.Unlock(); });
  lockdep_softirqs_off(0);
  a.Lock(); a.Unlock();  // bh disabled: fine for softirq
  lockdep_softirqs_on(0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(IrqChecksTest, RecursiveReadersInIrqDoNotConflict) {
  InHardirq([&] { a.Lock(2); a.Unlock(); });
  a.Lock(2); a.Unlock();  // read with irqs on: an irq reader does not block
  EXPECT_THAT(Kinds(), IsEmpty());
  a.Lock(0); a.Unlock();  // but a writer with irqs on does
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kInconsistentLockState));
}

TEST_F(IrqChecksTest, SleepUnderSpinlockOrInIrq) {
  lockdep_might_sleep("x.cc", 1, 0);
  EXPECT_THAT(Kinds(), IsEmpty());
  a.Lock();
  lockdep_might_sleep("x.cc", 2, 0);
  a.Unlock();
  InHardirq([&] { lockdep_might_sleep("x.cc", 3, 0); });
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic, ReportKind::kSleepInAtomic));
  EXPECT_THAT(CollectedReports()[0].title,
              HasSubstr("sleeping function called from invalid context at x.cc:2"));
}

TEST_F(IrqChecksTest, SleepUnderSleepingLockIsFine) {
  FakeLock m{"M", &key_c, /*spinning=*/0};
  m.Lock();
  lockdep_might_sleep("x.cc", 4, 0);
  m.Unlock();
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(IrqChecksTest, IrqLocksDoNotDependOnInterruptedLocks) {
  lockdep_hardirqs_off(0);
  a.Lock();
  InHardirq([&] { b.Lock(); b.Unlock(); });  // no A -> B: another context
  a.Unlock();
  b.Lock(); a.Lock(); a.Unlock(); b.Unlock();  // B -> A closes no cycle
  lockdep_hardirqs_on(0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(IrqChecksTest, AssertIrqs) {
  lockdep_assert_irqs_hook(1, 0);
  EXPECT_THAT(Kinds(), IsEmpty());
  lockdep_assert_irqs_hook(0, 1);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kIrqAssertFailed));
}

}  // namespace
}  // namespace lockdep
