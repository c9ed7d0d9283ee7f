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
lock_class_key keys[16600];

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

  std::unique_ptr<lockdep_map> maps_[16600];
};

TEST_F(LimitsTest, Classes) {
  Lock(16599);  // held across the limit: its release must not be reported
  for (int i = 0; i < 16500; ++i) {
    Lock(i);
    Unlock(i);
  }
  Unlock(16599);
  ExpectLimit("MAX_LOCKDEP_KEYS");
}

TEST_F(LimitsTest, Dependencies) {
  // 370 x 370 ordered pairs: 136,900 dependencies, over the 131,072 limit.
  Lock(16599);
  for (int a = 0; a < 370; ++a) {
    for (int b = 370; b < 740; ++b) {
      Lock(a);
      Lock(b);
      Unlock(b);
      Unlock(a);
    }
  }
  Unlock(16599);
  ExpectLimit("MAX_LOCKDEP_ENTRIES");
}

TEST_F(LimitsTest, Chains) {
  // 65^3 = 274,625 chains of three over only 2 * 65^2 dependencies: the
  // 262,144-chain table fills first.
  for (int a = 0; a < 65; ++a) {
    for (int b = 65; b < 130; ++b) {
      for (int c = 130; c < 195; ++c) {
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
