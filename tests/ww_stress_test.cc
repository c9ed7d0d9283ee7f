// Stress tests of wound/wait mutexes, after Linux's kernel/locking/
// test-ww_mutex.c: several threads run many transactions over shared locks in
// random orders, backing off on -EDEADLK. Each checks that every transaction
// completes, that counters the locks protect lose no update (plain ints: a
// missing happens-before is also a ThreadSanitizer report), and that lockdep
// reports nothing. Both algorithms. Each transactional test also checks that
// back-offs happened (the algorithm was exercised) and that a context that
// was the oldest live one never backed off (the guarantee that makes every
// transaction finish). Iteration counts are fixed (not timed) and smaller
// under ThreadSanitizer, so each test stays within a few seconds.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <set>
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

static DEFINE_WW_CLASS(stress_wound_class);
static DEFINE_WD_CLASS(stress_die_class);

#if defined(LOCKDEP_TSAN)
constexpr int kScale = 10;
#else
constexpr int kScale = 40;
#endif
constexpr int kThreads = 4;

// Locks plus, per lock, a counter only its lock's holder may touch.
class WwStress : public LockdepTest,
                 public ::testing::WithParamInterface<struct ww_class*> {
 protected:
  void Init(int nlocks) {
    locks_ = std::vector<struct ww_mutex>(nlocks);
    counters_.assign(nlocks, 0);
    for (auto& l : locks_) ww_mutex_init(&l, GetParam());
  }
  int Index(const struct ww_mutex* l) const {
    return static_cast<int>(l - locks_.data());
  }
  // The critical section: bumps the counter of every lock held, through a
  // read-yield-write so that a second holder would lose an update.
  void Touch(const std::vector<struct ww_mutex*>& held, std::mt19937& rng,
             std::vector<long>* tally) {
    for (struct ww_mutex* l : held) {
      lockdep_assert_held(l);
      const long v = counters_[Index(l)];
      if (rng() % 16 == 0) std::this_thread::yield();
      counters_[Index(l)] = v + 1;
      ++(*tally)[Index(l)];
    }
  }
  // Runs `body(thread_index, rng, tally)` on kThreads threads and checks the
  // counters against the per-thread tallies.
  template <typename Body>
  void Run(Body body) {
    std::vector<std::vector<long>> tallies(
        kThreads, std::vector<long>(locks_.size(), 0));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(1234u + static_cast<unsigned>(t));
        body(t, rng, &tallies[t]);
      });
    }
    for (auto& th : threads) th.join();
    for (size_t i = 0; i < locks_.size(); ++i) {
      long expected = 0;
      for (const auto& tally : tallies) expected += tally[i];
      EXPECT_EQ(counters_[i], expected) << "lock " << i << " lost updates";
      EXPECT_FALSE(ww_mutex_is_locked(&locks_[i]));
    }
    EXPECT_THAT(Kinds(), IsEmpty());
  }

  // ww_acquire_init and ww_acquire_fini, keeping the set of live contexts
  // (under one mutex with the init, so stamps and the set agree).
  void InitContext(struct ww_acquire_ctx* ctx) {
    std::lock_guard<std::mutex> guard(live_mu_);
    ww_acquire_init(ctx, GetParam());
    live_.insert(ctx->stamp);
  }
  void FiniContext(struct ww_acquire_ctx* ctx) {
    std::lock_guard<std::mutex> guard(live_mu_);
    live_.erase(ctx->stamp);
    ww_acquire_fini(ctx);
  }
  // True when `ctx` is the oldest live context. It then stays the oldest
  // for the rest of its life (every later context is younger), so no
  // ww_mutex_lock it calls from now on may return -EDEADLK.
  bool IsOldest(const struct ww_acquire_ctx* ctx) {
    std::lock_guard<std::mutex> guard(live_mu_);
    return *live_.begin() == ctx->stamp;
  }

  // ww_mutex_lock, counting thread t's back-offs, and apart those of a
  // context that was the oldest live one when it asked (and, wound-wait, not
  // wounded while it was younger: a wound stands until the context backs
  // off, as in Linux, even after its wounder finished).
  int Lock(int t, struct ww_mutex* lock, struct ww_acquire_ctx* ctx) {
    const bool oldest = IsOldest(ctx) && ctx->wounded.load() == 0;
    const int err = ww_mutex_lock(lock, ctx);
    if (err == -EDEADLK) {
      backoffs_[t]++;
      if (oldest) oldest_backoffs_[t]++;
    }
    return err;
  }
  std::function<int(struct ww_mutex*, struct ww_acquire_ctx*)> LockFor(int t) {
    return [this, t](struct ww_mutex* l, struct ww_acquire_ctx* c) {
      return Lock(t, l, c);
    };
  }

  // The back-off path ran (with several threads taking many locks in
  // different orders it always does), and never for the oldest context.
  void ExpectBackoffs() {
    int total = 0;
    int oldest = 0;
    for (int t = 0; t < kThreads; ++t) {
      total += backoffs_[t];
      oldest += oldest_backoffs_[t];
    }
    RecordProperty("backoffs", total);
    std::printf("back-offs: %d\n", total);
    EXPECT_GT(total, 0) << "no transaction ever backed off";
    EXPECT_EQ(oldest, 0) << "the oldest live context backed off";
  }

  std::vector<struct ww_mutex> locks_;
  std::vector<long> counters_;
  std::mutex live_mu_;
  std::set<unsigned long> live_;  // stamps of the contexts between init and fini
  std::vector<int> backoffs_ = std::vector<int>(kThreads, 0);
  std::vector<int> oldest_backoffs_ = std::vector<int>(kThreads, 0);
};

INSTANTIATE_TEST_SUITE_P(Ww, WwStress,
                         ::testing::Values(&stress_wound_class,
                                           &stress_die_class),
                         [](const auto& info) {
                           return info.param->is_wait_die ? "WaitDie"
                                                          : "WoundWait";
                         });

// Every transaction takes all 16 locks, each thread in its own fixed random
// order (Linux's stress_inorder_work).
TEST_P(WwStress, InOrder) {
  Init(16);
  const int transactions = 40 * kScale;
  std::vector<int> completed(kThreads, 0);
  Run([&](int t, std::mt19937& rng, std::vector<long>* tally) {
    std::vector<struct ww_mutex*> order;
    for (auto& l : locks_) order.push_back(&l);
    std::shuffle(order.begin(), order.end(), rng);
    for (int i = 0; i < transactions; ++i) {
      struct ww_acquire_ctx ctx;
      InitContext(&ctx);
      LockAll(order, &ctx, nullptr, LockFor(t));
      ww_acquire_done(&ctx);
      Touch(order, rng, tally);
      UnlockAll(order);
      FiniContext(&ctx);
      ++completed[t];
    }
  });
  for (int c : completed) EXPECT_EQ(c, transactions);
  ExpectBackoffs();
}

// Random subsets of 64 locks in random order; on -EDEADLK the contended lock
// moves to the front of the transaction's list (Linux's stress_reorder_work).
TEST_P(WwStress, ReOrder) {
  Init(64);
  const int transactions = 250 * kScale;
  std::vector<int> completed(kThreads, 0);
  Run([&](int t, std::mt19937& rng, std::vector<long>* tally) {
    std::vector<struct ww_mutex*> all;
    for (auto& l : locks_) all.push_back(&l);
    for (int i = 0; i < transactions; ++i) {
      std::shuffle(all.begin(), all.end(), rng);
      std::vector<struct ww_mutex*> list(all.begin(),
                                         all.begin() + 2 + rng() % 7);
      struct ww_acquire_ctx ctx;
      InitContext(&ctx);
      for (size_t n = 0; n < list.size();) {
        const int err = Lock(t, list[n], &ctx);
        if (err == 0) {
          ++n;
          continue;
        }
        ASSERT_EQ(err, -EDEADLK);
        for (size_t k = 0; k < n; ++k) ww_mutex_unlock(list[k]);
        ww_mutex_lock_slow(list[n], &ctx);
        std::rotate(list.begin(), list.begin() + n, list.begin() + n + 1);
        n = 1;  // the contended lock, now first, is held
      }
      Touch(list, rng, tally);
      UnlockAll(list);
      FiniContext(&ctx);
      ++completed[t];
    }
  });
  for (int c : completed) EXPECT_EQ(c, transactions);
  ExpectBackoffs();
}

// One lock per transaction, without a context (Linux's stress_one_work).
TEST_P(WwStress, OneLock) {
  Init(4);
  const int rounds = 500 * kScale;
  Run([&](int t, std::mt19937& rng, std::vector<long>* tally) {
    struct ww_mutex* lock = &locks_[t % locks_.size()];
    if (t >= 2) lock = &locks_[0];  // two threads share one lock
    for (int i = 0; i < rounds; ++i) {
      ASSERT_EQ(ww_mutex_lock(lock, nullptr), 0);
      Touch({lock}, rng, tally);
      ww_mutex_unlock(lock);
    }
  });
}

// All three kinds at once on the same locks (Linux's STRESS_ALL), so waiters
// with and without a context share queues.
TEST_P(WwStress, Mixed) {
  Init(12);
  const int rounds = 120 * kScale;
  Run([&](int t, std::mt19937& rng, std::vector<long>* tally) {
    std::vector<struct ww_mutex*> all;
    for (auto& l : locks_) all.push_back(&l);
    for (int i = 0; i < rounds; ++i) {
      std::shuffle(all.begin(), all.end(), rng);
      if (t == 0) {  // one lock, no context
        ASSERT_EQ(ww_mutex_lock(all[0], nullptr), 0);
        Touch({all[0]}, rng, tally);
        ww_mutex_unlock(all[0]);
        continue;
      }
      std::vector<struct ww_mutex*> list(all.begin(),
                                         all.begin() + 2 + rng() % 5);
      struct ww_acquire_ctx ctx;
      InitContext(&ctx);
      LockAll(list, &ctx, nullptr, LockFor(t));
      Touch(list, rng, tally);
      UnlockAll(list);
      FiniContext(&ctx);
    }
  });
  ExpectBackoffs();
}

}  // namespace
