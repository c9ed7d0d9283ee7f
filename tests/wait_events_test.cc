// Deadlocks through waits (docs/waits.md): a wait for a completion or a
// semaphore while holding a lock that its signaller must take first is
// "possible circular wait dependency detected", reported the first time both
// sides were seen, with no hang needed. Every case has a clean twin, and the
// rules that keep reports trustworthy (timed waits, several signallers,
// rounds, annotations) each have a test. Threads run one after another, so
// no wait here ever blocks.
#include <thread>

#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

template <typename F>
void InThread(F f) {
  std::thread(f).join();
}

class WaitEventsTest : public ::lockdep_test::LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    mutex_init(&m);
    mutex_init(&n);
    init_completion(&done);
    init_completion(&e1);
    init_completion(&e2);
  }
  // The completer of the first case: takes m (and lets it go) first.
  void TakeMThenComplete(struct completion* c) {
    mutex_lock(&m);
    mutex_unlock(&m);
    complete(c);
  }
  void WaitHoldingM(struct completion* c) {
    mutex_lock(&m);
    wait_for_completion(c);
    mutex_unlock(&m);
  }
  struct mutex m, n;
  struct completion done, e1, e2;
};

TEST_F(WaitEventsTest, CompleterTakesTheMutexFirstAndReleasesIt) {
  InThread([&] { TakeMThenComplete(&done); });
  WaitHoldingM(&done);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
  ::lockdep_test::ExpectWellFormedTitles();
}

TEST_F(WaitEventsTest, CompleterHoldsTheMutexWhileCompleting) {
  InThread([&] {
    mutex_lock(&m);
    complete(&done);
    mutex_unlock(&m);
  });
  WaitHoldingM(&done);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
}

TEST_F(WaitEventsTest, ReportShowsTheChainAndTheWaitScenario) {
  InThread([&] { TakeMThenComplete(&done); });
  WaitHoldingM(&done);
  const lockdep::Report r = ::lockdep_test::OnlyReport();
  EXPECT_EQ(r.title, "WARNING: possible circular wait dependency detected");
  EXPECT_THAT(r.text, HasSubstr("is trying to wait for event:"));
  EXPECT_THAT(r.text, HasSubstr("the existing dependency chain (in reverse order) is:"));
  EXPECT_THAT(r.text, HasSubstr("taken before complete(&done)"));
  EXPECT_THAT(r.text, HasSubstr("CPU0                    CPU1"));
  EXPECT_THAT(r.text, HasSubstr("  lock(&m);\n"));
  EXPECT_THAT(r.text, HasSubstr("  wait_for_completion(&done);\n"));
  EXPECT_THAT(r.text, HasSubstr("complete(&done);\n"));
  EXPECT_THAT(r.text, HasSubstr("*** DEADLOCK ***"));
}

TEST_F(WaitEventsTest, CompleterCompletingBeforeTakingTheMutexIsClean) {
  InThread([&] {
    complete(&done);
    mutex_lock(&m);
    mutex_unlock(&m);
  });
  WaitHoldingM(&done);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// A waits for e1 holding m; B completes e1 only after waiting for e2; C
// completes e2 holding m.
TEST_F(WaitEventsTest, ThreePartyChain) {
  InThread([&] {
    mutex_lock(&m);
    complete(&e2);
    mutex_unlock(&m);
  });
  InThread([&] {
    wait_for_completion(&e2);
    complete(&e1);
  });
  mutex_lock(&m);
  wait_for_completion(&e1);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
  EXPECT_THAT(lockdep::CollectedReports()[0].text, HasSubstr("&e1 --> &e2 --> &m"));
}

TEST_F(WaitEventsTest, ThreePartyChainTwinIsClean) {
  InThread([&] {
    complete(&e2);  // before m
    mutex_lock(&m);
    mutex_unlock(&m);
  });
  InThread([&] {
    wait_for_completion(&e2);
    complete(&e1);
  });
  mutex_lock(&m);
  wait_for_completion(&e1);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WaitEventsTest, SemaphoreUsedAsAnEvent) {
  struct semaphore ready;
  sema_init(&ready, 0);
  InThread([&] {
    mutex_lock(&m);
    mutex_unlock(&m);
    up(&ready);
  });
  mutex_lock(&m);
  down(&ready);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
  EXPECT_THAT(lockdep::CollectedReports()[0].text, HasSubstr("  down(&ready);\n"));
}

TEST_F(WaitEventsTest, SemaphoreUsedAsAnEventTwinIsClean) {
  struct semaphore ready;
  sema_init(&ready, 0);
  InThread([&] {
    up(&ready);
    mutex_lock(&m);
    mutex_unlock(&m);
  });
  mutex_lock(&m);
  down(&ready);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The signal closes the cycle: reported at up(), the first time both sides
// were seen (a semaphore used as a lock, against a mutex: ABBA).
TEST_F(WaitEventsTest, ReportedAtTheSignalWhenTheWaitCameFirst) {
  struct semaphore sem;
  sema_init(&sem, 1);
  InThread([&] {
    mutex_lock(&m);
    down(&sem);  // a unit is free: no blocking
    mutex_unlock(&m);
  });
  InThread([&] {
    mutex_lock(&m);
    mutex_unlock(&m);
    up(&sem);
  });
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
  EXPECT_THAT(lockdep::CollectedReports()[0].text, HasSubstr("is signalling event:"));
}

TEST_F(WaitEventsTest, ProducerConsumerWithoutLocksAroundWaitsIsClean) {
  struct semaphore items;
  sema_init(&items, 0);
  int queue = 0;
  for (int round = 0; round < 3; ++round) {
    InThread([&] {
      mutex_lock(&m);
      ++queue;
      mutex_unlock(&m);
      up(&items);
    });
    down(&items);
    mutex_lock(&m);
    --queue;
    mutex_unlock(&m);
  }
  EXPECT_EQ(queue, 0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WaitEventsTest, TimedWaitIsNoDependency) {
  InThread([&] {
    mutex_lock(&m);
    mutex_unlock(&m);
    complete(&done);
  });
  mutex_lock(&m);
  EXPECT_NE(wait_for_completion_timeout(&done, 10000), 0u);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WaitEventsTest, EndlessTimeoutIsAWait) {
  InThread([&] {
    mutex_lock(&m);
    mutex_unlock(&m);
    complete(&done);
  });
  mutex_lock(&m);
  wait_for_completion_timeout(&done, MAX_SCHEDULE_TIMEOUT);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
}

// Any of several threads may complete it: a lock only one of them takes is
// not a dependency of the event, whichever signaller came first.
TEST_F(WaitEventsTest, LockOfOnlyOneSignallerIsNotBlamed) {
  for (bool locked_first : {true, false}) {
    lockdep::ResetForTesting();
    init_completion(&done);
    auto with_lock = [&] {
      mutex_lock(&m);
      mutex_unlock(&m);
      complete(&done);
    };
    auto without_lock = [&] { complete(&done); };
    if (locked_first) {
      InThread(with_lock);
      InThread(without_lock);
    } else {
      InThread(without_lock);
      InThread(with_lock);
    }
    mutex_lock(&m);
    wait_for_completion(&done);
    wait_for_completion(&done);
    mutex_unlock(&m);
    EXPECT_THAT(Kinds(), IsEmpty()) << "locked signaller first: " << locked_first;
  }
}

// A lock both signallers take stays a dependency.
TEST_F(WaitEventsTest, LockOfEverySignallerIsBlamed) {
  for (int i = 0; i < 2; ++i) {
    InThread([&] {
      mutex_lock(&m);
      mutex_lock(&n);
      mutex_unlock(&n);
      mutex_unlock(&m);
      complete(&done);
    });
  }
  mutex_lock(&n);
  wait_for_completion(&done);
  wait_for_completion(&done);
  mutex_unlock(&n);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
}

// Rounds: what the signalling thread took before the instance was
// re-initialised belongs to an older round and is not held against it.
TEST_F(WaitEventsTest, OldRoundLocksDoNotCount) {
  for (bool reinit : {false, true}) {
    lockdep::ResetForTesting();
    init_completion(&done);
    std::atomic<int> step{0};
    std::thread signaller([&] {
      mutex_lock(&m);
      mutex_unlock(&m);
      step.store(1);
      while (step.load() != 2) std::this_thread::yield();
      complete(&done);
    });
    while (step.load() != 1) std::this_thread::yield();
    if (reinit) reinit_completion(&done);
    step.store(2);
    signaller.join();
    mutex_lock(&m);
    wait_for_completion(&done);
    mutex_unlock(&m);
    if (reinit) {
      EXPECT_THAT(Kinds(), IsEmpty());
    } else {
      EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
    }
  }
}

TEST_F(WaitEventsTest, ExcludedEventIsNotTracked) {
  lockdep_event_exclude(&done.dep_map);
  InThread([&] { TakeMThenComplete(&done); });
  WaitHoldingM(&done);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WaitEventsTest, ExternallySignalledEventHasNoSignallerLocks) {
  lockdep_event_set_external(&done.dep_map);
  InThread([&] { TakeMThenComplete(&done); });
  WaitHoldingM(&done);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The waiting thread's section restarts at its wait: a lock it took before
// the wait is not what its next signal needs.
TEST_F(WaitEventsTest, SectionRestartsAtTheWait) {
  InThread([&] { complete(&e1); });
  InThread([&] {
    mutex_lock(&m);
    mutex_unlock(&m);
    wait_for_completion(&e1);
    complete(&done);
  });
  WaitHoldingM(&done);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The last dependency of the cycle may be a lock order: m -> done (a wait
// under m), done -> n (its completer took n), then n -> m closes it at an
// acquire, reported as the circular wait it is.
TEST_F(WaitEventsTest, LockOrderClosingACycleThroughAWait) {
  InThread([&] {
    mutex_lock(&n);
    mutex_unlock(&n);
    complete(&done);
  });
  WaitHoldingM(&done);
  EXPECT_THAT(Kinds(), IsEmpty());
  mutex_lock(&n);
  mutex_lock(&m);
  mutex_unlock(&m);
  mutex_unlock(&n);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
  EXPECT_THAT(lockdep::CollectedReports()[0].text,
              HasSubstr("is trying to acquire lock:"));
}

// A thread that completes an event and then waits for it itself is let
// through by its own completion: no other context is waited for.
TEST_F(WaitEventsTest, WaitForOwnSignalIsClean) {
  mutex_lock(&m);
  complete(&done);
  wait_for_completion(&done);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Request and answer under a lock: the waiter signalled the request itself
// before it waited, holding m all along, so the class cycle m -> e2 -> e1
// -> m (e1's signaller held m) is no deadlock (wait_excuses.h).
TEST_F(WaitEventsTest, RequestAndAnswerUnderALockIsClean) {
  for (int round = 0; round < 3; ++round) {
    std::thread echo([&] {
      wait_for_completion(&e1);
      complete(&e2);
    });
    mutex_lock(&m);
    complete(&e1);
    wait_for_completion(&e2);
    mutex_unlock(&m);
    echo.join();
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The same exchange, but the answer needs m: a deadlock, still reported.
TEST_F(WaitEventsTest, AnswerNeedingTheRequestersLockIsReported) {
  InThread([&] {  // the echo, seen once without blocking
    complete(&e1);
    wait_for_completion(&e1);
    mutex_lock(&m);
    mutex_unlock(&m);
    complete(&e2);
  });
  mutex_lock(&m);
  complete(&e1);
  wait_for_completion(&e2);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
}

// Each softirq (or hard irq) handler run begins a section: a lock one run
// took is not what a later run's signal needs. In one run it is.
TEST_F(WaitEventsTest, HandlerRunBeginsASection) {
  for (bool same_run : {false, true}) {
    lockdep::ResetForTesting();
    static lock_class_key event_key, lock_key;
    lockdep_event ev;
    lockdep_event_init(&ev, "ev", &event_key, kLockdepEventGeneric);
    ::lockdep_test::FakeLock x(&lock_key, "x");
    InThread([&] {
      local_bh_disable();
      lockdep_softirq_enter();
      x.Lock();
      x.Unlock();
      if (!same_run) {
        lockdep_softirq_exit();
        lockdep_softirq_enter();
      }
      lockdep_event_signal(&ev, 0);
      lockdep_softirq_exit();
      local_bh_enable();
    });
    local_bh_disable();  // x is softirq-safe: held here with bottom halves off
    x.Lock();
    lockdep_event_wait(&ev, /*timed=*/0, 0);
    x.Unlock();
    local_bh_enable();
    if (same_run) {
      EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
    } else {
      EXPECT_THAT(Kinds(), IsEmpty());
    }
  }
}

TEST_F(WaitEventsTest, DeclaredCompletionHasItsOwnClass) {
  static DECLARE_COMPLETION(declared);
  InThread([&] {
    mutex_lock(&m);
    complete(&declared);
    mutex_unlock(&m);
  });
  mutex_lock(&m);
  wait_for_completion(&declared);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularWait));
  EXPECT_THAT(lockdep::CollectedReports()[0].text, HasSubstr("(declared"));
}

TEST_F(WaitEventsTest, ZeroInitialisedCompletionIsNotTracked) {
  struct completion plain;  // never initialised: allowed, and silent
  InThread([&] {
    mutex_lock(&m);
    complete(&plain);
    mutex_unlock(&m);
  });
  mutex_lock(&m);
  wait_for_completion(&plain);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
