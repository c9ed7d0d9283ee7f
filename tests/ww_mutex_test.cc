// Wound/wait mutexes: the API and algorithm cases of Linux's
// kernel/locking/test-ww_mutex.c (basic, AA, ABBA with and without
// resolution, cycle of N contexts) for both algorithms, deterministic
// wound / die / wait scenarios, and the wound/wait part of
// lib/locking-selftest.c (ww_test_*): every "ww_mutex misuse" with a near miss,
// and the lockdep rules around contexts (recursion, nest_lock, trylock).
#include <atomic>
#include <cerrno>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "instrument/kernel.h"
#include "tests/test_support.h"
#include "tests/ww_test_util.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::lockdep_test::OnlyReport;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::ww_test::AwaitWaiter;
using ::ww_test::AwaitWaiters;
using ::ww_test::LockAll;
using ::ww_test::OlderHolder;
using ::ww_test::UnlockAll;

// (A DEFINE_* may be preceded by static, as in Linux.)
static DEFINE_WW_CLASS(wound_class);
static DEFINE_WD_CLASS(die_class);
DEFINE_WD_CLASS(other_class);

// ===========================================================================
// test-ww_mutex.c, for both algorithms.

class WwAlgorithm : public LockdepTest,
                    public ::testing::WithParamInterface<struct ww_class*> {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    for (auto* l : {&a_, &b_, &c_}) ww_mutex_init(l, GetParam());
  }
  struct ww_mutex a_, b_, c_;
};

INSTANTIATE_TEST_SUITE_P(Ww, WwAlgorithm,
                         ::testing::Values(&wound_class, &die_class),
                         [](const auto& info) {
                           return info.param->is_wait_die ? "WaitDie"
                                                          : "WoundWait";
                         });

TEST_F(LockdepTest, ClassDefinitionsNameTheirLockdepClasses) {
  EXPECT_EQ(wound_class.is_wait_die, 0u);
  EXPECT_EQ(die_class.is_wait_die, 1u);
  EXPECT_STREQ(wound_class.acquire_name, "wound_class_acquire");
  EXPECT_STREQ(wound_class.mutex_name, "wound_class_mutex");
}

TEST_P(WwAlgorithm, Basic) {
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, GetParam());
  EXPECT_FALSE(ww_mutex_is_locked(&a_));
  ASSERT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  EXPECT_TRUE(ww_mutex_is_locked(&a_));
  EXPECT_TRUE(mutex_is_locked(&a_.base));
  EXPECT_EQ(a_.ctx.load(), &ctx);
  EXPECT_EQ(ctx.acquired, 1u);
  lockdep_assert_held(&a_);
  lockdep_assert_held(&a_.base);
  lockdep_assert_held(&ctx);
  ww_acquire_done(&ctx);
  ww_mutex_unlock(&a_);
  EXPECT_FALSE(ww_mutex_is_locked(&a_));
  EXPECT_EQ(a_.ctx.load(), nullptr);
  ww_acquire_fini(&ctx);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_P(WwAlgorithm, StampsFollowInitOrder) {
  struct ww_acquire_ctx first, second;
  ww_acquire_init(&first, GetParam());
  ww_acquire_fini(&first);
  ww_acquire_init(&second, GetParam());
  ww_acquire_fini(&second);
  EXPECT_LT(first.stamp, second.stamp);
  EXPECT_EQ(first.is_wait_die, GetParam()->is_wait_die);
}

// AA: a context asking again for a lock it holds gets -EALREADY (no report);
// trylocks of a held lock fail.
TEST_P(WwAlgorithm, RelockByTheSameContextIsEalready) {
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, GetParam());
  ASSERT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  EXPECT_EQ(ww_mutex_lock(&a_, &ctx), -EALREADY);
  EXPECT_EQ(ww_mutex_lock_interruptible(&a_, &ctx), -EALREADY);
  EXPECT_EQ(ww_mutex_trylock(&a_, &ctx), 0);
  EXPECT_EQ(ww_mutex_trylock(&a_, nullptr), 0);
  EXPECT_EQ(ctx.acquired, 1u);
  ww_mutex_unlock(&a_);
  ww_acquire_fini(&ctx);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_P(WwAlgorithm, ManyLocksUnderOneContextAreOneClassNoRecursion) {
  constexpr int kLocks = 64;  // more than the held-lock depth limit (48)
  std::vector<struct ww_mutex> locks(kLocks);
  for (auto& l : locks) ww_mutex_init(&l, GetParam());
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, GetParam());
  for (auto& l : locks) ASSERT_EQ(ww_mutex_lock(&l, &ctx), 0);
  EXPECT_EQ(ctx.acquired, static_cast<unsigned>(kLocks));
  for (auto& l : locks) lockdep_assert_held(&l);
  // Out of order, and then freeing the first one while the rest are held: the
  // merged entry names the context's placeholder, never a freed lock.
  ww_mutex_unlock(&locks[0]);
  debug_check_no_locks_freed(&locks[0], sizeof(locks[0]));
  ww_mutex_destroy(&locks[0]);
  for (int i = kLocks - 1; i > 0; --i) ww_mutex_unlock(&locks[i]);
  ww_acquire_fini(&ctx);
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_TRUE(lockdep::ValidationEnabled());
}

TEST_P(WwAlgorithm, TrylockWithAndWithoutContext) {
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, GetParam());
  ASSERT_EQ(ww_mutex_trylock(&a_, &ctx), 1);
  EXPECT_EQ(a_.ctx.load(), &ctx);
  ASSERT_EQ(ww_mutex_lock(&b_, &ctx), 0);
  ASSERT_EQ(ww_mutex_trylock(&c_, nullptr), 1);  // ww_test_context_try
  EXPECT_EQ(c_.ctx.load(), nullptr);
  EXPECT_EQ(ctx.acquired, 2u);
  ww_mutex_unlock(&c_);
  ww_mutex_unlock(&b_);
  ww_mutex_unlock(&a_);
  ww_acquire_fini(&ctx);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// A NULL context is a plain mutex, also under contention.
TEST_P(WwAlgorithm, NullContextIsAPlainMutex) {
  int counter = 0;
  constexpr int kThreads = 4, kRounds = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        EXPECT_EQ(ww_mutex_lock(&a_, nullptr), 0);
        counter = counter + 1;
        ww_mutex_unlock(&a_);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, kThreads * kRounds);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ABBA: two threads, each holding its first lock, ask for the other's.
// Without resolution exactly one of them gets -EDEADLK (and gives up); with
// it, the loser backs off and both complete.
void Abba(struct ww_class* cls, struct ww_mutex* a, struct ww_mutex* b,
          bool resolve, int* result_a, int* result_b) {
  std::latch both_hold(2);
  auto side = [&](struct ww_mutex* first, struct ww_mutex* second,
                  int* result) {
    struct ww_acquire_ctx ctx;
    ww_acquire_init(&ctx, cls);
    EXPECT_EQ(ww_mutex_lock(first, &ctx), 0);
    both_hold.arrive_and_wait();
    int err = ww_mutex_lock(second, &ctx);
    if (resolve && err == -EDEADLK) {
      ww_mutex_unlock(first);
      ww_mutex_lock_slow(second, &ctx);
      err = ww_mutex_lock(first, &ctx);
    }
    if (err == 0) ww_mutex_unlock(second);
    ww_mutex_unlock(first);
    ww_acquire_fini(&ctx);
    *result = err;
  };
  std::thread other([&] { side(b, a, result_b); });
  side(a, b, result_a);
  other.join();
}

TEST_P(WwAlgorithm, AbbaWithoutResolutionOneSideBacksOff) {
  int ra = 1, rb = 1;
  Abba(GetParam(), &a_, &b_, /*resolve=*/false, &ra, &rb);
  EXPECT_TRUE((ra == 0 && rb == -EDEADLK) || (ra == -EDEADLK && rb == 0))
      << "A err=" << ra << ", B err=" << rb;
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_P(WwAlgorithm, AbbaWithResolutionBothComplete) {
  for (int round = 0; round < 20; ++round) {
    int ra = 1, rb = 1;
    Abba(GetParam(), &a_, &b_, /*resolve=*/true, &ra, &rb);
    ASSERT_EQ(ra, 0);
    ASSERT_EQ(rb, 0);
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

// N contexts, each holding lock i and asking for lock i+1: a cycle that some
// context must break by backing off; then every one completes.
TEST_P(WwAlgorithm, CycleOfNContexts) {
  for (int n : {2, 3, 5, 8}) {
    std::vector<struct ww_mutex> locks(n);
    for (auto& l : locks) ww_mutex_init(&l, GetParam());
    std::latch all_hold(n);
    std::vector<int> backoffs(n, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        struct ww_mutex* mine = &locks[i];
        struct ww_mutex* next = &locks[(i + 1) % n];
        struct ww_acquire_ctx ctx;
        ww_acquire_init(&ctx, GetParam());
        EXPECT_EQ(ww_mutex_lock(mine, &ctx), 0);
        all_hold.arrive_and_wait();
        // Finish the transaction {mine, next} with the usual back-off loop.
        int err = ww_mutex_lock(next, &ctx);
        if (err == 0) {
          ww_mutex_unlock(next);
          ww_mutex_unlock(mine);
        } else {
          EXPECT_EQ(err, -EDEADLK);
          ww_mutex_unlock(mine);
          backoffs[i] = 1 + LockAll({next, mine}, &ctx, /*contended=*/next);
          UnlockAll({next, mine});
        }
        ww_acquire_fini(&ctx);
      });
    }
    for (auto& t : threads) t.join();
    int total = 0;
    for (int b : backoffs) total += b;
    EXPECT_GE(total, 1) << "a cycle of " << n << " was not broken";
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

// As Linux: a context that holds no lock yet cannot be part of a deadlock, so
// it never backs off; it waits, even for an older holder.
TEST_P(WwAlgorithm, ContextHoldingNothingWaits) {
  OlderHolder older(GetParam(), {&a_});
  int result = 1;
  std::thread younger([&] {
    struct ww_acquire_ctx ctx;
    ww_acquire_init(&ctx, GetParam());
    result = ww_mutex_lock(&a_, &ctx);
    if (result == 0) ww_mutex_unlock(&a_);
    ww_acquire_fini(&ctx);
  });
  AwaitWaiter(&a_);
  older.Release();
  younger.join();
  EXPECT_EQ(result, 0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Waiters with and without a context on one lock are all served.
TEST_P(WwAlgorithm, MixedWaitersAreAllServed) {
  OlderHolder holder(GetParam(), {&a_});
  constexpr int kThreads = 6;
  int served = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      if (i % 2 == 0) {
        EXPECT_EQ(ww_mutex_lock(&a_, nullptr), 0);
        ++served;
        ww_mutex_unlock(&a_);
        return;
      }
      struct ww_acquire_ctx ctx;
      ww_acquire_init(&ctx, GetParam());
      EXPECT_EQ(ww_mutex_lock(&a_, &ctx), 0);  // holds nothing: never backs off
      ++served;
      ww_mutex_unlock(&a_);
      ww_acquire_fini(&ctx);
    });
  }
  AwaitWaiter(&a_);
  holder.Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(served, kThreads);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Context waiters are served oldest first, whatever order they queued in:
// the queue is in stamp order and each unlock wakes its first waiter
// (nothing else competes for the lock here). They hold nothing, so they
// never back off.
TEST_P(WwAlgorithm, WaitersAreServedOldestFirst) {
  constexpr int kWaiters = 3;
  ASSERT_EQ(ww_mutex_lock(&a_, nullptr), 0);
  std::atomic<int> inited{0};
  std::atomic<int> go{kWaiters};  // thread i may lock once go <= i
  std::mutex order_mu;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {  // i = 0 is the oldest context
    threads.emplace_back([&, i] {
      struct ww_acquire_ctx ctx;
      ww_acquire_init(&ctx, GetParam());
      inited++;
      while (go.load() > i) std::this_thread::yield();
      EXPECT_EQ(ww_mutex_lock(&a_, &ctx), 0);
      {
        std::lock_guard<std::mutex> guard(order_mu);
        order.push_back(i);
      }
      ww_mutex_unlock(&a_);
      ww_acquire_fini(&ctx);
    });
    while (inited.load() <= i) std::this_thread::yield();
  }
  // Youngest first into the queue.
  for (int queued = 1; queued <= kWaiters; ++queued) {
    go = kWaiters - queued;
    AwaitWaiters(&a_, queued);
  }
  ww_mutex_unlock(&a_);
  for (auto& t : threads) t.join();
  EXPECT_THAT(order, ElementsAre(0, 1, 2));
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// Each algorithm's decisions, made deterministic with two threads.

class WoundWait : public LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    ww_mutex_init(&a_, &wound_class);
    ww_mutex_init(&b_, &wound_class);
  }
  struct ww_mutex a_, b_;
};

// The younger waits for the older; the older, asking for the younger's lock,
// wounds it: the younger, asleep on the older's lock, wakes with -EDEADLK.
TEST_F(WoundWait, OlderWoundsAWaitingYoungerHolder) {
  std::latch older_started(1), younger_holds_a(1);
  int older_err = 1, younger_first = 1, younger_retry = 1;
  std::thread older([&] {
    struct ww_acquire_ctx ctx;
    ww_acquire_init(&ctx, &wound_class);
    EXPECT_EQ(ww_mutex_lock(&b_, &ctx), 0);
    older_started.count_down();
    younger_holds_a.wait();
    AwaitWaiter(&b_);  // the younger sleeps on b
    older_err = ww_mutex_lock(&a_, &ctx);
    if (older_err == 0) ww_mutex_unlock(&a_);
    ww_mutex_unlock(&b_);
    ww_acquire_fini(&ctx);
  });
  older_started.wait();
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &wound_class);
  ASSERT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  younger_holds_a.count_down();
  younger_first = ww_mutex_lock(&b_, &ctx);  // waits, then is wounded
  EXPECT_EQ(ctx.wounded.load(), 1u);
  ww_mutex_unlock(&a_);
  if (younger_first == -EDEADLK) {
    ww_mutex_lock_slow(&b_, &ctx);
    younger_retry = ww_mutex_lock(&a_, &ctx);
    if (younger_retry == 0) ww_mutex_unlock(&a_);
    ww_mutex_unlock(&b_);
  }
  ww_acquire_fini(&ctx);
  older.join();
  EXPECT_EQ(younger_first, -EDEADLK);
  EXPECT_EQ(younger_retry, 0);
  EXPECT_EQ(older_err, 0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// A younger holder that is not waiting is wounded all the same; it learns of
// it when it next has to wait (-EDEADLK at once), not when it takes a free
// lock, as in Linux.
TEST_F(WoundWait, OlderWoundsAHolderThatIsNotWaiting) {
  struct ww_mutex c;
  ww_mutex_init(&c, &wound_class);
  std::latch older_holds_b(1), younger_holds_a(1);
  int older_err = 1;
  std::thread older([&] {
    struct ww_acquire_ctx ctx;
    ww_acquire_init(&ctx, &wound_class);
    EXPECT_EQ(ww_mutex_lock(&b_, &ctx), 0);
    older_holds_b.count_down();
    younger_holds_a.wait();
    older_err = ww_mutex_lock(&a_, &ctx);  // waits for the younger, wounds it
    if (older_err == 0) ww_mutex_unlock(&a_);
    ww_mutex_unlock(&b_);
    ww_acquire_fini(&ctx);
  });
  older_holds_b.wait();
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &wound_class);
  ASSERT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  EXPECT_EQ(ctx.wounded.load(), 0u);
  younger_holds_a.count_down();
  AwaitWaiters(&a_, 1);  // the older queued on a
  EXPECT_EQ(ctx.wounded.load(), 1u);
  EXPECT_EQ(ww_mutex_lock(&c, &ctx), 0);  // free: taken, wounded or not
  EXPECT_EQ(ww_mutex_lock(&b_, &ctx), -EDEADLK);  // would wait: backs off
  ww_mutex_unlock(&c);
  ww_mutex_unlock(&a_);  // the older gets a, finishes, releases b
  ww_mutex_lock_slow(&b_, &ctx);
  ww_mutex_unlock(&b_);
  ww_acquire_fini(&ctx);
  older.join();
  EXPECT_EQ(older_err, 0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// A younger context asking for the older's lock simply waits.
TEST_F(WoundWait, YoungerWaitsForOlder) {
  OlderHolder older(&wound_class, {&b_});
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &wound_class);
  ASSERT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  std::thread release([&] {
    AwaitWaiter(&b_);
    older.Release();
  });
  EXPECT_EQ(ww_mutex_lock(&b_, &ctx), 0);
  release.join();
  UnlockAll({&b_, &a_});
  ww_acquire_fini(&ctx);
  EXPECT_THAT(Kinds(), IsEmpty());
}

class WaitDie : public LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    ww_mutex_init(&a_, &die_class);
    ww_mutex_init(&b_, &die_class);
  }
  struct ww_mutex a_, b_;
};

// A younger context holding a lock and asking for the older's dies at once.
TEST_F(WaitDie, YoungerDiesAtOnce) {
  OlderHolder older(&die_class, {&b_});
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &die_class);
  ASSERT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  EXPECT_EQ(ww_mutex_lock(&b_, &ctx), -EDEADLK);
  EXPECT_EQ(ctx.contending_lock, &b_);
  EXPECT_FALSE(ww_test::HasWaiters(&b_));
  ww_mutex_unlock(&a_);
  older.Release();
  ww_mutex_lock_slow(&b_, &ctx);
  EXPECT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  UnlockAll({&a_, &b_});
  ww_acquire_fini(&ctx);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The older waits for the younger; the younger, asking for the older's lock,
// dies; the older then gets its lock.
TEST_F(WaitDie, OlderWaitsForYounger) {
  std::latch older_started(1), younger_holds_a(1);
  int older_err = 1;
  std::thread older([&] {
    struct ww_acquire_ctx ctx;
    ww_acquire_init(&ctx, &die_class);
    older_started.count_down();
    younger_holds_a.wait();
    EXPECT_EQ(ww_mutex_lock(&b_, &ctx), 0);
    older_err = ww_mutex_lock(&a_, &ctx);  // waits for the younger
    if (older_err == 0) ww_mutex_unlock(&a_);
    ww_mutex_unlock(&b_);
    ww_acquire_fini(&ctx);
  });
  older_started.wait();
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &die_class);
  ASSERT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  younger_holds_a.count_down();
  AwaitWaiter(&a_);  // the older sleeps on a, so it holds b
  EXPECT_EQ(ww_mutex_lock(&b_, &ctx), -EDEADLK);
  ww_mutex_unlock(&a_);
  ww_mutex_lock_slow(&b_, &ctx);
  EXPECT_EQ(ww_mutex_lock(&a_, &ctx), 0);
  UnlockAll({&a_, &b_});
  ww_acquire_fini(&ctx);
  older.join();
  EXPECT_EQ(older_err, 0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// lib/locking-selftest.c, wound/wait part. A wait-die class makes -EDEADLK
// deterministic: an older context on another thread holds the lock.

class WwSelftest : public LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    for (auto* l : {&o_, &o2_, &o3_}) ww_mutex_init(l, &die_class);
  }
  // With o2 held by an OlderHolder: starts t, locks o, and gets -EDEADLK
  // on o2 (wait-die: the younger context holding a lock dies).
  void LockOThenDieOnO2() {
    ww_acquire_init(&t_, &die_class);
    ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
    ASSERT_EQ(ww_mutex_lock(&o2_, &t_), -EDEADLK);
  }
  struct ww_mutex o_, o2_, o3_;
  struct ww_acquire_ctx t_;
};

void ExpectOnlyMisuse(const char* detail) {
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kWwMutexMisuse));
  const auto r = OnlyReport();
  EXPECT_THAT(r.title, HasSubstr("ww_mutex misuse"));
  EXPECT_THAT(r.text, HasSubstr(detail));
}

TEST_F(WwSelftest, UnneededSlowIsMisuse) {  // ww_test_unneeded_slow
  ww_acquire_init(&t_, &die_class);
  ww_mutex_lock_slow(&o_, &t_);
  ExpectOnlyMisuse("ww_mutex_lock_slow without a preceding -EDEADLK");
  ww_mutex_unlock(&o_);
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, TwoContextsOfOneClassAreRecursive) {
  struct ww_acquire_ctx t2;
  ww_acquire_init(&t_, &die_class);
  ww_acquire_init(&t2, &die_class);
  // First the recursion. (The runtime goes on validating after it, and the
  // second context under the first one's placeholder entry also closes
  // <class>_acquire -> <class>_mutex -> <class>_acquire.)
  const auto reports = lockdep::CollectedReports();
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].kind, ReportKind::kRecursiveLocking);
  EXPECT_THAT(reports[0].classes, Contains("die_class_acquire"));
  ww_acquire_fini(&t2);
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, ContextsOfTwoClassesNestFine) {
  struct ww_acquire_ctx t2;
  ww_acquire_init(&t_, &die_class);
  ww_acquire_init(&t2, &other_class);
  ww_acquire_fini(&t2);
  ww_acquire_fini(&t_);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WwSelftest, ContextOfAnotherClassIsMisuse) {  // ww_test_diff_class
  ww_acquire_init(&t_, &other_class);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
  ExpectOnlyMisuse("ww_acquire_ctx used with a ww_mutex of another ww_class");
  ww_mutex_unlock(&o_);
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, DoneTwiceIsMisuse) {  // ww_test_context_done_twice
  ww_acquire_init(&t_, &die_class);
  ww_acquire_done(&t_);
  ww_acquire_done(&t_);
  ExpectOnlyMisuse("ww_acquire_done called twice");
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, FiniTwiceIsMisuse) {  // ww_test_context_unlock_twice
  ww_acquire_init(&t_, &die_class);
  ww_acquire_done(&t_);
  ww_acquire_fini(&t_);
  ww_acquire_fini(&t_);
  ExpectOnlyMisuse("ww_acquire_fini called twice");
}

TEST_F(WwSelftest, ReusingAFinishedContextIsFine) {
  for (int i = 0; i < 3; ++i) {
    ww_acquire_init(&t_, &die_class);
    ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
    ww_acquire_done(&t_);
    ww_mutex_unlock(&o_);
    ww_acquire_fini(&t_);
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WwSelftest, FiniWithLocksHeldIsMisuse) {  // ww_test_context_fini_early
  ww_acquire_init(&t_, &die_class);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
  ww_acquire_done(&t_);
  ww_acquire_fini(&t_);
  ExpectOnlyMisuse("ww_acquire_fini with ww_mutexes still held");
  ww_mutex_unlock(&o_);
}

TEST_F(WwSelftest, LockAfterDoneIsMisuse) {  // ww_test_context_lock_after_done
  ww_acquire_init(&t_, &die_class);
  ww_acquire_done(&t_);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
  ExpectOnlyMisuse("ww_mutex_lock after ww_acquire_done()");
  ww_mutex_unlock(&o_);
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, DoneAfterLockingIsFine) {
  ww_acquire_init(&t_, &die_class);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
  ASSERT_EQ(ww_mutex_lock(&o2_, &t_), 0);
  ww_acquire_done(&t_);
  UnlockAll({&o2_, &o_});
  ww_acquire_fini(&t_);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WwSelftest, UnlockTwiceIsMisuse) {  // ww_test_object_unlock_twice
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  ww_mutex_unlock(&o_);
  ww_mutex_unlock(&o_);
  ExpectOnlyMisuse("ww_mutex_unlock of a ww_mutex that is not locked");
  EXPECT_FALSE(ww_mutex_is_locked(&o_));
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);  // still usable
  ww_mutex_unlock(&o_);
}

TEST_F(WwSelftest, UnbalancedContextIsMisuse) {  // ww_test_object_lock_unbalanced
  ww_acquire_init(&t_, &die_class);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
  t_.acquired = 0;
  ww_mutex_unlock(&o_);
  ww_acquire_fini(&t_);
  ExpectOnlyMisuse("its context holds no ww_mutex");
}

TEST_F(WwSelftest, StaleContextIsMisuse) {  // ww_test_object_lock_stale_context
  struct ww_acquire_ctx t2;
  ww_acquire_init(&t_, &die_class);
  o_.ctx.store(&t2);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
  ExpectOnlyMisuse("still names an owner context");
  ww_mutex_unlock(&o_);
  ww_acquire_fini(&t_);
}

// ww_test_normal: the mutex calls on &ww->base never touch the context. (No
// context is held during the plain ones: like Linux since first_lock_dep_map,
// a plain lock of the class under a live context is recursive locking.)
TEST_F(WwSelftest, MutexCallsOnBaseLeaveTheContextAlone) {
  mutex_lock(&o_.base);
  mutex_unlock(&o_.base);
  EXPECT_EQ(mutex_lock_interruptible(&o_.base), 0);
  mutex_unlock(&o_.base);
  ASSERT_EQ(mutex_trylock(&o_.base), 1);
  EXPECT_EQ(mutex_trylock(&o_.base), 0);
  mutex_unlock(&o_.base);
  ww_acquire_init(&t_, &die_class);
  mutex_lock_nest_lock(&o_.base, &t_);
  mutex_unlock(&o_.base);
  EXPECT_EQ(o_.ctx.load(), nullptr);
  EXPECT_FALSE(ww_mutex_is_locked(&o_));
  ww_acquire_fini(&t_);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// --- EDEADLK handling -------------------------------------------------------

TEST_F(WwSelftest, EdeadlkNormal) {  // ww_test_edeadlk_normal: no report
  {
    OlderHolder older(&die_class, {&o2_});
    LockOThenDieOnO2();
    ww_mutex_unlock(&o_);
  }
  ASSERT_EQ(ww_mutex_lock(&o2_, &t_), 0);
  ww_mutex_unlock(&o2_);
  ww_acquire_fini(&t_);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WwSelftest, EdeadlkNormalSlow) {  // ww_test_edeadlk_normal_slow
  {
    OlderHolder older(&die_class, {&o2_});
    LockOThenDieOnO2();
    ww_mutex_unlock(&o_);
  }
  ww_mutex_lock_slow(&o2_, &t_);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);  // and the retry goes on
  UnlockAll({&o_, &o2_});
  ww_acquire_fini(&t_);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WwSelftest, EdeadlkNoUnlock) {  // ww_test_edeadlk_no_unlock
  {
    OlderHolder older(&die_class, {&o2_});
    LockOThenDieOnO2();
  }
  ASSERT_EQ(ww_mutex_lock(&o2_, &t_), 0);
  ExpectOnlyMisuse("without first unlocking every ww_mutex");
  UnlockAll({&o2_, &o_});
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, EdeadlkNoUnlockSlow) {  // ww_test_edeadlk_no_unlock_slow
  {
    OlderHolder older(&die_class, {&o2_});
    LockOThenDieOnO2();
  }
  ww_mutex_lock_slow(&o2_, &t_);
  ExpectOnlyMisuse("without first unlocking every ww_mutex");
  UnlockAll({&o2_, &o_});
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, EdeadlkAcquireMore) {  // ww_test_edeadlk_acquire_more
  OlderHolder older(&die_class, {&o2_});
  LockOThenDieOnO2();
  ASSERT_EQ(ww_mutex_lock(&o3_, &t_), 0);
  ExpectOnlyMisuse("a ww_mutex other than the contended one");
  UnlockAll({&o3_, &o_});
  older.Release();
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, EdeadlkAcquireMoreSlow) {  // _acquire_more_slow
  OlderHolder older(&die_class, {&o2_});
  LockOThenDieOnO2();
  ww_mutex_lock_slow(&o3_, &t_);
  ExpectOnlyMisuse("a ww_mutex other than the contended one");
  UnlockAll({&o3_, &o_});
  older.Release();
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, EdeadlkAcquireMoreEdeadlk) {  // _acquire_more_edeadlk
  OlderHolder older(&die_class, {&o2_, &o3_});
  LockOThenDieOnO2();
  EXPECT_EQ(ww_mutex_lock(&o3_, &t_), -EDEADLK);
  ExpectOnlyMisuse("a ww_mutex other than the contended one");
  ww_mutex_unlock(&o_);
  older.Release();
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, EdeadlkAcquireWrong) {  // ww_test_edeadlk_acquire_wrong
  OlderHolder older(&die_class, {&o2_});
  LockOThenDieOnO2();
  ww_mutex_unlock(&o_);
  ASSERT_EQ(ww_mutex_lock(&o3_, &t_), 0);
  ExpectOnlyMisuse("a ww_mutex other than the contended one");
  ww_mutex_unlock(&o3_);
  older.Release();
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, EdeadlkAcquireWrongSlow) {  // _acquire_wrong_slow
  OlderHolder older(&die_class, {&o2_});
  LockOThenDieOnO2();
  ww_mutex_unlock(&o_);
  ww_mutex_lock_slow(&o3_, &t_);
  ExpectOnlyMisuse("a ww_mutex other than the contended one");
  ww_mutex_unlock(&o3_);
  older.Release();
  ww_acquire_fini(&t_);
}

// --- lockdep around contexts: the block / try / context matrix ---------------

TEST_F(WwSelftest, ContextThenBlockIsRecursive) {  // ww_test_context_block
  ww_acquire_init(&t_, &die_class);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
  ASSERT_EQ(ww_mutex_lock(&o2_, nullptr), 0);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
  EXPECT_THAT(OnlyReport().classes, Contains("die_class_mutex"));
  UnlockAll({&o2_, &o_});
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, ContextThenContextIsFine) {  // ww_test_context_context
  ww_acquire_init(&t_, &die_class);
  ASSERT_EQ(ww_mutex_lock(&o_, &t_), 0);
  ASSERT_EQ(ww_mutex_lock(&o2_, &t_), 0);
  UnlockAll({&o2_, &o_});
  ww_acquire_fini(&t_);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WwSelftest, TryThenBlockIsRecursive) {  // ww_test_try_block
  ASSERT_EQ(ww_mutex_trylock(&o_, nullptr), 1);
  ASSERT_EQ(ww_mutex_lock(&o2_, nullptr), 0);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
  UnlockAll({&o2_, &o_});
}

TEST_F(WwSelftest, TryThenTryIsFine) {  // ww_test_try_try
  ASSERT_EQ(ww_mutex_trylock(&o_, nullptr), 1);
  ASSERT_EQ(ww_mutex_trylock(&o2_, nullptr), 1);
  UnlockAll({&o2_, &o_});
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WwSelftest, BlockThenBlockIsRecursive) {  // ww_test_block_block
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  ASSERT_EQ(ww_mutex_lock(&o2_, nullptr), 0);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
  UnlockAll({&o2_, &o_});
}

TEST_F(WwSelftest, BlockThenTryIsFine) {  // ww_test_block_try
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  ASSERT_EQ(ww_mutex_trylock(&o2_, nullptr), 1);
  UnlockAll({&o2_, &o_});
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ww_test_try_context and ww_test_block_context: Linux reports recursion,
// because the ww_mutex taken without a context is held *below* the context
// that would be the nest_lock of the next one (check_deadlock() honours a
// nest_lock only when it was taken before the other lock of the class), and
// the runtime does the same.
TEST_F(WwSelftest, TryThenContextIsRecursive) {
  ASSERT_EQ(ww_mutex_trylock(&o_, nullptr), 1);
  ww_acquire_init(&t_, &die_class);
  ASSERT_EQ(ww_mutex_lock(&o2_, &t_), 0);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kRecursiveLocking));
  UnlockAll({&o2_, &o_});
  ww_acquire_fini(&t_);
}

TEST_F(WwSelftest, BlockThenContextIsRecursive) {
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  ww_acquire_init(&t_, &die_class);
  ASSERT_EQ(ww_mutex_lock(&o2_, &t_), 0);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kRecursiveLocking));
  UnlockAll({&o2_, &o_});
  ww_acquire_fini(&t_);
}

// --- spinlocks and ww_mutexes ----------------------------------------------

DEFINE_SPINLOCK(ww_spin_a);

TEST_F(WwSelftest, SpinBlockIsCircular) {  // ww_test_spin_block
  spin_lock(&ww_spin_a);
  spin_unlock(&ww_spin_a);
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  spin_lock(&ww_spin_a);
  spin_unlock(&ww_spin_a);
  ww_mutex_unlock(&o_);
  spin_lock(&ww_spin_a);
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  ww_mutex_unlock(&o_);
  spin_unlock(&ww_spin_a);
  // (Sleeping under a spinlock may be reported too, once contexts exist.)
  EXPECT_THAT(Kinds(), Contains(ReportKind::kCircularDependency));
}

TEST_F(WwSelftest, SpinTryIsFine) {  // ww_test_spin_try
  spin_lock(&ww_spin_a);
  spin_unlock(&ww_spin_a);
  ASSERT_EQ(ww_mutex_trylock(&o_, nullptr), 1);
  spin_lock(&ww_spin_a);
  spin_unlock(&ww_spin_a);
  ww_mutex_unlock(&o_);
  spin_lock(&ww_spin_a);
  ASSERT_EQ(ww_mutex_trylock(&o_, nullptr), 1);
  ww_mutex_unlock(&o_);
  spin_unlock(&ww_spin_a);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// --- the lock objects through the generic annotations -----------------------

TEST_F(WwSelftest, NestLockOnAnUnheldWwMutexIsReported) {
  // ww_test_spin_nest_unlocked, with a mutex as the nested lock.
  static DEFINE_MUTEX(nested);
  mutex_lock_nest_lock(&nested, &o_);
  mutex_unlock(&nested);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kNestLockNotHeld));
}

TEST_F(WwSelftest, ContextServesAsNestLock) {
  struct mutex children[3];
  for (auto& m : children) mutex_init(&m);
  ww_acquire_init(&t_, &die_class);
  for (auto& m : children) mutex_lock_nest_lock(&m, &t_);
  for (auto& m : children) mutex_unlock(&m);
  ww_acquire_fini(&t_);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(WwSelftest, AssertHeldOfAnUnlockedWwMutexFails) {
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  lockdep_assert_held(&o_);
  ww_mutex_unlock(&o_);
  lockdep_assert_not_held(&o_);
  EXPECT_THAT(Kinds(), IsEmpty());
  lockdep_assert_held(&o_);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
}

TEST_F(WwSelftest, DoneWithoutTheContextHeldFailsTheAssert) {
  ww_acquire_init(&t_, &die_class);
  ww_acquire_fini(&t_);
  ww_acquire_done(&t_);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
}

TEST_F(WwSelftest, DestroyOfAHeldWwMutexIsHeldLockFreed) {
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  ww_mutex_destroy(&o_);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kHeldLockFreed));
  lockdep_off();
  ww_mutex_unlock(&o_);
  lockdep_on();
}

TEST_F(WwSelftest, DestroyAfterUnlockIsFine) {
  ASSERT_EQ(ww_mutex_lock(&o_, nullptr), 0);
  ww_mutex_unlock(&o_);
  ww_mutex_destroy(&o_);
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
