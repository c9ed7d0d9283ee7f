// LOCKDEP_OPTIONS=ww_inject=3 (set for this binary in tests/BUILD): every 3rd
// ww_mutex_lock on a thread that leaves a context holding two or more locks
// returns -EDEADLK, at most once per context, so rarely taken back-off code
// runs and every transaction still completes (ww_mutex.h).
#include <cerrno>
#include <thread>
#include <vector>

#include "instrument/kernel.h"
#include "tests/test_support.h"
#include "tests/ww_test_util.h"

namespace {

using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::testing::IsEmpty;
using ::ww_test::LockAll;
using ::ww_test::UnlockAll;

static DEFINE_WW_CLASS(inject_wound_class);
static DEFINE_WD_CLASS(inject_die_class);

constexpr int kInterval = 3;

class WwInject : public LockdepTest,
                 public ::testing::WithParamInterface<struct ww_class*> {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    for (auto& l : locks_) ww_mutex_init(&l, GetParam());
  }
  // Runs `transactions` transactions of the first `width` locks on a new
  // thread (the injection count is per thread, so it starts from zero) and
  // returns the back-offs they took.
  int RunTransactions(int transactions, size_t width) {
    int backoffs = 0;
    std::thread([&] {
      std::vector<struct ww_mutex*> list;
      for (size_t i = 0; i < width; ++i) list.push_back(&locks_[i]);
      for (int i = 0; i < transactions; ++i) {
        struct ww_acquire_ctx ctx;
        ww_acquire_init(&ctx, GetParam());
        backoffs += LockAll(list, &ctx);
        for (struct ww_mutex* l : list) EXPECT_TRUE(ww_mutex_is_locked(l));
        UnlockAll(list);
        ww_acquire_fini(&ctx);
      }
    }).join();
    return backoffs;
  }
  struct ww_mutex locks_[8];
};

INSTANTIATE_TEST_SUITE_P(Ww, WwInject,
                         ::testing::Values(&inject_wound_class,
                                           &inject_die_class),
                         [](const auto& info) {
                           return info.param->is_wait_die ? "WaitDie"
                                                          : "WoundWait";
                         });

TEST_P(WwInject, OptionIsRead) {
  EXPECT_EQ(lockdep_ww_inject_interval(), kInterval);
}

// Two locks: one eligible lock per transaction, so every 3rd backs off.
TEST_P(WwInject, EveryThirdEligibleLockBacksOff) {
  EXPECT_EQ(RunTransactions(30, 2), 30 / kInterval);
  EXPECT_THAT(Kinds(), IsEmpty());  // the back-off path is correct use
}

// Four locks: three eligible per transaction, so each transaction backs off
// exactly once (the retry is not injected again).
TEST_P(WwInject, AtMostOncePerContext) {
  EXPECT_EQ(RunTransactions(10, 4), 10);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The first lock of a context, locks without a context and trylocks are
// never injected.
TEST_P(WwInject, OnlyLocksOfAContextHoldingAnotherAreInjected) {
  std::thread([&] {
    for (int i = 0; i < 3 * kInterval; ++i) {
      struct ww_acquire_ctx ctx;
      ww_acquire_init(&ctx, GetParam());
      ASSERT_EQ(ww_mutex_lock(&locks_[0], &ctx), 0);
      ASSERT_EQ(ww_mutex_trylock(&locks_[1], &ctx), 1);
      ASSERT_EQ(ww_mutex_trylock(&locks_[2], &ctx), 1);
      UnlockAll({&locks_[2], &locks_[1], &locks_[0]});
      ww_acquire_fini(&ctx);
      ASSERT_EQ(ww_mutex_lock(&locks_[3], nullptr), 0);
      ww_mutex_unlock(&locks_[3]);
    }
  }).join();
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Injected and real back-offs together, on several threads: all complete.
TEST_P(WwInject, ContendedTransactionsComplete) {
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::vector<struct ww_mutex*> list;
      for (int i = 0; i < 4; ++i) list.push_back(&locks_[(t + 3 * i) % 8]);
      for (int i = 0; i < 200; ++i) {
        struct ww_acquire_ctx ctx;
        ww_acquire_init(&ctx, GetParam());
        LockAll(list, &ctx);
        counter = counter + 1;  // any two threads' lists share a lock
        UnlockAll(list);
        ww_acquire_fini(&ctx);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(counter, 3 * 200);
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
