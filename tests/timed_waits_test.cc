// LOCKDEP_OPTIONS=timed_waits=1 (this suite's environment): a timed wait is
// a dependency like an endless one, so the completer-takes-the-mutex case
// is reported through wait_for_completion_timeout() too (docs/waits.md).
#include <thread>

#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;

class TimedWaitsTest : public ::lockdep_test::LockdepTest {};

TEST_F(TimedWaitsTest, TimedWaitCountsWithTheOption) {
  static DEFINE_MUTEX(m);
  struct completion done;
  init_completion(&done);
  std::thread([&] {
    mutex_lock(&m);
    mutex_unlock(&m);
    complete(&done);
  }).join();
  mutex_lock(&m);
  EXPECT_NE(wait_for_completion_timeout(&done, 10000), 0u);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
}

}  // namespace
