// Every fixed table, filled: one "BUG: ... too low!" line, validation off, the
// program goes on, and releasing the locks still held then makes no report.
// (The stack-trace table is not filled here: traces are de-duplicated, and
// the dependency table fills long before distinct traces could fill it.)
#include <memory>
#include <string>

#include "runtime/lockdep.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;

// Static storage: a lock_class_key must be static or registered.
lock_class_key keys[8400];

class LimitsTest : public lockdep_test::LockdepTest {
 protected:
  // A lock of class `i`, made on first use.
  lockdep_map* Map(int i) {
    if (!maps_[i]) {
      maps_[i] = std::make_unique<lockdep_map>();
      lockdep_init_map(maps_[i].get(), "limit_lock", &keys[i], 0);
    }
    return maps_[i].get();
  }
  void Lock(int i) { lock_acquire(Map(i), 0, 0, kLockdepWrite, 1, nullptr, LOCKDEP_THIS_IP); }
  void Unlock(int i) { lock_release(Map(i), LOCKDEP_THIS_IP); }

  // The one report is the limit's, named `what`, and validation is off.
  void ExpectLimit(const std::string& what) {
    ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kLimitReached));
    EXPECT_EQ(lockdep::CollectedReports()[0].title, "BUG: " + what + " too low!");
    EXPECT_FALSE(lockdep::ValidationEnabled());
  }

  std::unique_ptr<lockdep_map> maps_[8400];
};

TEST_F(LimitsTest, Classes) {
  Lock(8399);  // held across the limit: its release must not be reported
  for (int i = 0; i < 8300; ++i) {
    Lock(i);
    Unlock(i);
  }
  Unlock(8399);
  ExpectLimit("MAX_LOCKDEP_KEYS");
}

TEST_F(LimitsTest, Dependencies) {
  // 130 x 130 ordered pairs: 16,900 dependencies, over the 16,384 limit.
  Lock(8399);
  for (int a = 0; a < 130; ++a) {
    for (int b = 130; b < 260; ++b) {
      Lock(a);
      Lock(b);
      Unlock(b);
      Unlock(a);
    }
  }
  Unlock(8399);
  ExpectLimit("MAX_LOCKDEP_ENTRIES");
}

TEST_F(LimitsTest, Chains) {
  // 42^3 = 74,088 chains of three over only 2 * 42^2 dependencies: the
  // 65,536-chain table fills first.
  for (int a = 0; a < 42; ++a) {
    for (int b = 42; b < 84; ++b) {
      for (int c = 84; c < 126; ++c) {
        Lock(a);
        Lock(b);
        Lock(c);
        Unlock(c);
        Unlock(b);
        Unlock(a);
      }
    }
  }
  ExpectLimit("MAX_LOCKDEP_CHAINS");
}

}  // namespace
