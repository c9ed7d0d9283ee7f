// Unit tests of the validator through its hooks, with bare lockdep_maps (no
// real locks), so each case can take any order without blocking.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "runtime/graph/fake_lock.h"
#include "runtime/lockdep.h"
#include "runtime/base/options.h"
#include "runtime/report.h"

namespace lockdep {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

lock_class_key key_a, key_b, key_c, key_d;

class ValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetForTesting(); }
  std::vector<ReportKind> Kinds() { return CollectedKinds(); }
  FakeLock a{"A", &key_a}, b{"B", &key_b}, c{"C", &key_c}, d{"D", &key_d};
};

TEST_F(ValidatorTest, ConsistentOrderIsClean) {
  for (int i = 0; i < 3; ++i) {
    a.Lock(); b.Lock(); b.Unlock(); a.Unlock();
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(ValidatorTest, AbbaReportsCycleWithScenario) {
  a.Lock(); b.Lock(); b.Unlock(); a.Unlock();
  b.Lock(); a.Lock(); a.Unlock(); b.Unlock();
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  const Report r = CollectedReports()[0];
  EXPECT_EQ(r.title, "WARNING: possible circular locking dependency detected");
  EXPECT_THAT(r.classes, ElementsAre("A", "B"));
  EXPECT_THAT(r.text, HasSubstr("the existing dependency chain (in reverse order) is:"));
  EXPECT_THAT(r.text, HasSubstr("Possible unsafe locking scenario"));
  EXPECT_THAT(r.text, HasSubstr("*** DEADLOCK ***"));
  EXPECT_THAT(r.text, HasSubstr("validator_test.cc:"));
}

TEST_F(ValidatorTest, CycleOfThreeNamesTheChain) {
  a.Lock(); b.Lock(); b.Unlock(); a.Unlock();
  b.Lock(); c.Lock(); c.Unlock(); b.Unlock();
  c.Lock(); a.Lock(); a.Unlock(); c.Unlock();
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_THAT(CollectedReports()[0].text, HasSubstr("Chain exists of:\n  A --> B --> C"));
}

TEST_F(ValidatorTest, SameProblemReportedOnce) {
  for (int i = 0; i < 3; ++i) {
    a.Lock(); b.Lock(); b.Unlock(); a.Unlock();
    b.Lock(); a.Lock(); a.Unlock(); b.Unlock();
  }
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(ValidatorTest, RecursiveReadersNeverCycle) {
  a.Lock(2); b.Lock(2); b.Unlock(); a.Unlock();
  b.Lock(2); a.Lock(2); a.Unlock(); b.Unlock();
  a.Lock(2); a.Lock(2); a.Unlock(); a.Unlock();
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(ValidatorTest, NonRecursiveReadAaIsRecursion) {
  a.Lock(1); a.Lock(1); a.Unlock(); a.Unlock();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
}

TEST_F(ValidatorTest, TrylockAddsNoDependencyForItself) {
  a.Lock(); b.TryLock(); b.Unlock(); a.Unlock();
  b.Lock(); a.Lock(); a.Unlock(); b.Unlock();
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(ValidatorTest, LocksUnderATrylockDependOnIt) {
  a.TryLock(); b.Lock(); b.Unlock(); a.Unlock();
  b.Lock(); a.Lock(); a.Unlock(); b.Unlock();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(ValidatorTest, OutOfOrderReleaseKeepsState) {
  a.Lock(); b.Lock(); c.Lock();
  b.Unlock();  // out of order
  d.Lock(); d.Unlock();
  c.Unlock(); a.Unlock();
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_FALSE(lock_is_held(&a.map));
  c.Lock(); a.Lock(); a.Unlock(); c.Unlock();  // A -> C was learnt
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(ValidatorTest, CrossThreadAbba) {
  std::thread([&] { a.Lock(); b.Lock(); b.Unlock(); a.Unlock(); }).join();
  EXPECT_THAT(Kinds(), IsEmpty());
  std::thread([&] { b.Lock(); a.Lock(); a.Unlock(); b.Unlock(); }).join();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(ValidatorTest, DoubleUnlockIsBadBalance) {
  a.Lock(); a.Unlock(); a.Unlock();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
}

TEST_F(ValidatorTest, DepthLimitTurnsValidationOff) {
  static lock_class_key keys[kLockdepMaxSubclasses * 0 + 49];
  std::vector<std::unique_ptr<FakeLock>> locks;
  for (auto& k : keys) locks.push_back(std::make_unique<FakeLock>("L", &k));
  for (auto& l : locks) l->Lock();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kLimitReached));
  EXPECT_FALSE(ValidationEnabled());
  ResetForTesting();
  EXPECT_TRUE(ValidationEnabled());
}

// A report sink runs after the graph lock is released, so it may call back
// into the runtime (it deadlocked when sinks ran under the lock).
lock_class_key* sink_key = nullptr;
int sink_calls = 0;
void SinkThatCallsBack(const Report&) {
  ++sink_calls;
  lockdep_register_key(sink_key);
  lockdep_unregister_key(sink_key);
  EXPECT_TRUE(ValidationEnabled());
}

TEST_F(ValidatorTest, SinkMayCallBackIntoTheRuntime) {
  lock_class_key dynamic_key;
  sink_key = &dynamic_key;
  sink_calls = 0;
  SetReportSink(&SinkThatCallsBack);
  FakeLock a("A", &key_a), b("B", &key_b);
  a.Lock();
  b.Lock();
  b.Unlock();
  a.Unlock();
  b.Lock();
  a.Lock();  // ABBA: reported from the slow path, which holds the graph lock
  a.Unlock();
  b.Unlock();
  SetReportSink(nullptr);
  EXPECT_EQ(sink_calls, 1);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST(OptionsTest, ParsesAndRejects) {
  Options o;
  auto errors = ParseOptions("halt_on_report=1,exitcode=3:stack_depth=0:verbosity=2", &o);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_TRUE(o.halt_on_report);
  EXPECT_EQ(o.exitcode, 3);
  EXPECT_EQ(o.stack_depth, 0);
  EXPECT_EQ(o.verbosity, 2);
  errors = ParseOptions("nosuch=1,exitcode=abc,verbosity", &o);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_THAT(errors[0], HasSubstr("unknown key 'nosuch'"));
  EXPECT_THAT(errors[1], HasSubstr("bad value 'abc' for exitcode"));
  EXPECT_EQ(o.exitcode, 3);
}

TEST(OptionsTest, SpacesAndBooleansAsSanitizersTakeThem) {
  Options o;
  auto errors = ParseOptions(" halt_on_report=true  exitcode=5,check_chains=true:verbosity=0 ", &o);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_TRUE(o.halt_on_report);
  EXPECT_TRUE(o.check_chains);
  EXPECT_EQ(o.exitcode, 5);
  EXPECT_EQ(o.verbosity, 0);
  errors = ParseOptions("halt_on_report=false check_chains=0", &o);
  EXPECT_THAT(errors, IsEmpty());
  EXPECT_FALSE(o.halt_on_report);
  EXPECT_FALSE(o.check_chains);
}

// Garbage keeps the defaults and gives one clear, printable line per item.
TEST(OptionsTest, HostileInputKeepsDefaults) {
  Options o;
  const std::string hostile = std::string("exitcode=99999999999999999999,=7,stack_depth=-1,") +
                              "verbosity=\x1b[31m,\x01\x02key=1,halt_on_report=2," +
                              std::string(5000, 'k') + "=1";
  auto errors = ParseOptions(hostile.c_str(), &o);
  EXPECT_EQ(errors.size(), 7u);
  const Options defaults;
  EXPECT_EQ(o.exitcode, defaults.exitcode);
  EXPECT_EQ(o.stack_depth, defaults.stack_depth);
  EXPECT_EQ(o.verbosity, defaults.verbosity);
  EXPECT_EQ(o.halt_on_report, defaults.halt_on_report);
  for (const std::string& e : errors) {
    // The message lists every known key, so it grows with the options
    // table; the 5000-byte key given must still be cut.
    EXPECT_LT(e.size(), 1000u) << "long input is cut";
    for (char c : e) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "unescaped byte in: " << e;
  }
  EXPECT_THAT(errors[1], HasSubstr("has no key"));
}

}  // namespace
}  // namespace lockdep
