// lockdep::CondVar as an event (docs/waits.md): a wait on one mutex while
// holding a second lock that the notifier takes before notifying is a
// circular wait; the lock waited on is released by the wait, so the plain
// pattern (both sides under the condition's own mutex) is clean. Threads run
// one after another with a predicate already true, so nothing blocks.
#include <atomic>
#include <mutex>
#include <thread>

#include "instrument/cxx.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class CondVarWaitTest : public ::lockdep_test::LockdepTest {
 protected:
  lockdep::Mutex mu{"mu"};
  lockdep::Mutex outer{"outer"};
  lockdep::CondVar cv{"cv"};
  bool ready = false;

  // Waits until `ready` with the condition's mutex only, or with `outer`
  // held around it too.
  void WaitOnce() {
    std::unique_lock<lockdep::Mutex> lock(mu);
    while (!ready) cv.wait(lock);
  }
  void WaitOnceHoldingOuter() {
    outer.lock();
    WaitOnce();
    outer.unlock();
  }
  void Notify(bool take_outer_first) {
    if (take_outer_first) {
      outer.lock();
      outer.unlock();
    }
    std::lock_guard<lockdep::Mutex> lock(mu);
    ready = true;
    cv.notify_one();
  }
};

// The notifier takes `outer` before the waiter does (so nothing hangs), and
// notifies only once the waiter holds `outer` and waits: the order a
// deadlock needs is seen without the deadlock.
TEST_F(CondVarWaitTest, NotifierTakesTheWaitersOtherLockFirst) {
  std::atomic<int> step{0};
  std::thread notifier([&] {
    outer.lock();
    outer.unlock();
    step.store(1);
    while (step.load() != 2) std::this_thread::yield();
    std::lock_guard<lockdep::Mutex> lock(mu);
    ready = true;
    cv.notify_one();
  });
  while (step.load() != 1) std::this_thread::yield();
  outer.lock();
  {
    std::unique_lock<lockdep::Mutex> lock(mu);
    step.store(2);
    while (!ready) cv.wait(lock);
  }
  outer.unlock();
  notifier.join();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
  EXPECT_THAT(lockdep::CollectedReports()[0].text, HasSubstr("cond_wait(cv)"));
}

TEST_F(CondVarWaitTest, WaitingOnlyOnTheConditionsMutexIsClean) {
  for (int i = 0; i < 3; ++i) {
    ready = false;
    std::thread notifier([&] { Notify(false); });
    WaitOnce();
    notifier.join();
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(CondVarWaitTest, NotifierNotNeedingTheOtherLockIsClean) {
  for (int i = 0; i < 3; ++i) {
    ready = false;
    std::thread notifier([&] { Notify(false); });
    WaitOnceHoldingOuter();
    notifier.join();
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
