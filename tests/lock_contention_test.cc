// The kernel-style primitives tested as locks: threads really contend, and
// each test fails if the primitive does not wait (mutual exclusion, reader/
// writer invariants, no lost update, a blocked call woken by its release,
// fairness that keeps a waiter from starving, timeouts). rwlock_t has its
// own suite (rwlock_contention_test.cc), ww_mutex stress its own
// (ww_stress_test.cc); here are the mutex calls on a ww_mutex's base.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "instrument/kernel.h"
#include "tests/contention.h"
#include "tests/test_support.h"

namespace {

using ::contention::BlockedCall;
using ::contention::ExclusionProbe;
using ::contention::kRounds;
using ::contention::kThreads;
using ::contention::ReaderWriterProbe;
using ::contention::RunReadersAndWriters;
using ::contention::RunThreads;
using ::contention::VictimGetsThroughStream;

using Contention = ::contention::ContentionTest;

// ===========================================================================
// struct mutex

TEST_F(Contention, MutexExcludesAndLosesNoUpdate) {
  struct mutex m;
  mutex_init(&m);
  ExclusionProbe probe;
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < kRounds; ++i) {
      if (t % 2 == 0) {
        mutex_lock(&m);
      } else {
        while (!mutex_trylock(&m)) std::this_thread::yield();
      }
      probe.Section(i);
      mutex_unlock(&m);
    }
  });
  EXPECT_EQ(probe.overlaps(), 0);
  EXPECT_EQ(probe.counter(), long{kThreads} * kRounds);
  EXPECT_FALSE(mutex_is_locked(&m));
}

TEST_F(Contention, MutexWaiterIsWokenByUnlock) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  {
    BlockedCall waiter([&] {
      mutex_lock(&m);
      mutex_unlock(&m);
    });
    EXPECT_TRUE(waiter.StaysBlocked());
    EXPECT_EQ(mutex_trylock(&m), 0);
    mutex_unlock(&m);
    EXPECT_TRUE(waiter.Returns());
  }
  EXPECT_FALSE(mutex_is_locked(&m));
}

// ===========================================================================
// spinlock_t

TEST_F(Contention, SpinlockExcludesAndLosesNoUpdate) {
  spinlock_t l;
  spin_lock_init(&l);
  ExclusionProbe probe;
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < kRounds; ++i) {
      switch (t % 3) {
        case 0:
          spin_lock(&l);
          probe.Section(i);
          spin_unlock(&l);
          break;
        case 1: {
          unsigned long flags;
          spin_lock_irqsave(&l, flags);
          probe.Section(i);
          spin_unlock_irqrestore(&l, flags);
          break;
        }
        default:
          while (!spin_trylock(&l)) std::this_thread::yield();
          probe.Section(i);
          spin_unlock(&l);
      }
    }
  });
  EXPECT_EQ(probe.overlaps(), 0);
  EXPECT_EQ(probe.counter(), long{kThreads} * kRounds);
}

TEST_F(Contention, SpinlockWaiterGetsInAfterUnlock) {
  spinlock_t l;
  spin_lock_init(&l);
  spin_lock(&l);
  {
    BlockedCall waiter([&] {
      spin_lock(&l);
      spin_unlock(&l);
    });
    EXPECT_TRUE(waiter.StaysBlocked());
    spin_unlock(&l);
    EXPECT_TRUE(waiter.Returns());
  }
  EXPECT_EQ(spin_is_locked(&l), 0);
}

// ===========================================================================
// struct rw_semaphore

TEST_F(Contention, RwsemKeepsReaderWriterInvariants) {
  struct rw_semaphore sem;
  init_rwsem(&sem);
  ReaderWriterProbe probe;
  constexpr int kWriters = 2;
  RunReadersAndWriters(
      kThreads + 1, kWriters,
      [&](int i) {
        if (i % 2 == 0) {
          down_write(&sem);
        } else {
          while (!down_write_trylock(&sem)) std::this_thread::yield();
        }
        probe.WriterSection(i);
        up_write(&sem);
      },
      [&](int i) {
        if (i % 2 == 0) {
          down_read(&sem);
        } else {
          while (!down_read_trylock(&sem)) std::this_thread::yield();
        }
        probe.ReaderSection(i);
        up_read(&sem);
      });
  EXPECT_EQ(probe.violations(), 0);
  EXPECT_EQ(probe.value(), long{kWriters} * kRounds);
  EXPECT_EQ(rwsem_is_locked(&sem), 0);
}

TEST_F(Contention, RwsemReadersShareAndExcludeWriters) {
  struct rw_semaphore sem;
  init_rwsem(&sem);
  down_read(&sem);
  {
    // Another reader gets in while this one holds it.
    BlockedCall reader([&] {
      down_read(&sem);
      up_read(&sem);
    });
    EXPECT_TRUE(reader.Returns());
  }
  {
    BlockedCall writer([&] {
      down_write(&sem);
      up_write(&sem);
    });
    EXPECT_TRUE(writer.StaysBlocked());
    EXPECT_EQ(down_write_trylock(&sem), 0);
    up_read(&sem);
    EXPECT_TRUE(writer.Returns());
  }
  EXPECT_EQ(rwsem_is_locked(&sem), 0);
}

TEST_F(Contention, RwsemWriterExcludesReadersUntilDowngrade) {
  struct rw_semaphore sem;
  init_rwsem(&sem);
  down_write(&sem);
  {
    BlockedCall reader([&] {
      down_read(&sem);
      up_read(&sem);
    });
    EXPECT_TRUE(reader.StaysBlocked());
    downgrade_write(&sem);  // readers may join; writers still may not
    EXPECT_TRUE(reader.Returns());
    EXPECT_EQ(down_write_trylock(&sem), 0);
  }
  up_read(&sem);
  EXPECT_EQ(down_write_trylock(&sem), 1);
  up_write(&sem);
}

// Writers take turns without pause, each holding the lock for a while, so
// that another writer always waits; a reader must still get in, many times,
// while they go on (before the fix, a waiting writer kept readers out, so the
// reader waited for the writers to stop).
TEST_F(Contention, RwsemReadersAreNotStarvedByAStreamOfWriters) {
  struct rw_semaphore sem;
  init_rwsem(&sem);
  long writes = 0;
  EXPECT_TRUE(VictimGetsThroughStream(
      [&] { down_write(&sem); }, [&] { up_write(&sem); },
      [&] {
        for (int i = 0; i < 20; ++i) {
          down_read(&sem);
          up_read(&sem);
        }
      },
      &writes))
      << "the reader starved while " << writes << " writes went through";
}

// The converse: readers overlapping without pause must let a writer in.
TEST_F(Contention, RwsemWritersAreNotStarvedByAStreamOfReaders) {
  struct rw_semaphore sem;
  init_rwsem(&sem);
  long reads = 0;
  EXPECT_TRUE(VictimGetsThroughStream(
      [&] { down_read(&sem); }, [&] { up_read(&sem); },
      [&] {
        for (int i = 0; i < 20; ++i) {
          down_write(&sem);
          up_write(&sem);
        }
      },
      &reads))
      << "the writer starved while " << reads << " reads went through";
}

// ===========================================================================
// struct semaphore

TEST_F(Contention, DownBlocksUntilUp) {
  struct semaphore sem;
  sema_init(&sem, 0);
  EXPECT_EQ(down_trylock(&sem), 1);
  {
    BlockedCall waiter([&] { down(&sem); });
    EXPECT_TRUE(waiter.StaysBlocked());
    up(&sem);
    EXPECT_TRUE(waiter.Returns());
  }
  EXPECT_EQ(down_trylock(&sem), 1);  // the one unit was taken
}

TEST_F(Contention, SemaphoreAdmitsAtMostItsCount) {
  struct semaphore sem;
  constexpr int kCount = 2;
  sema_init(&sem, kCount);
  std::atomic<int> inside{0};
  std::atomic<int> too_many{0};
  std::atomic<int> most{0};
  RunThreads(kThreads + 2, [&](int) {
    for (int i = 0; i < kRounds; ++i) {
      down(&sem);
      const int now = inside.fetch_add(1) + 1;
      if (now > kCount) too_many++;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      contention::MaybeYield(i);
      inside.fetch_sub(1);
      up(&sem);
    }
  });
  EXPECT_EQ(too_many.load(), 0);
  EXPECT_GE(most.load(), 1);
  // Exactly kCount units are left.
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(down_trylock(&sem), 0);
  EXPECT_EQ(down_trylock(&sem), 1);
}

// sema_init with a negative count: that many up()s are owed before a down()
// gets through (it used to wrap to 4294967295 units).
TEST_F(Contention, NegativeInitialCountMakesDownWait) {
  struct semaphore sem;
  sema_init(&sem, -1);
  EXPECT_EQ(down_trylock(&sem), 1);
  {
    BlockedCall waiter([&] { down(&sem); });
    EXPECT_TRUE(waiter.StaysBlocked());
    up(&sem);  // count 0: still nothing to take
    EXPECT_TRUE(waiter.StaysBlocked());
    EXPECT_EQ(down_trylock(&sem), 1);
    up(&sem);
    EXPECT_TRUE(waiter.Returns());
  }
  EXPECT_EQ(down_trylock(&sem), 1);
}

// ===========================================================================
// struct completion

TEST_F(Contention, WaitForCompletionBlocksUntilComplete) {
  struct completion done;
  init_completion(&done);
  {
    BlockedCall waiter([&] { wait_for_completion(&done); });
    EXPECT_TRUE(waiter.StaysBlocked());
    complete(&done);
    EXPECT_TRUE(waiter.Returns());
  }
  EXPECT_EQ(wait_for_completion_timeout(&done, 0), 0u);  // consumed
}

TEST_F(Contention, CompleteLetsExactlyOneWaiterThrough) {
  struct completion done;
  init_completion(&done);
  constexpr int kWaiters = 4;
  std::atomic<int> through{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      wait_for_completion(&done);
      through++;
    });
  }
  std::this_thread::sleep_for(contention::kSettle);
  EXPECT_EQ(through.load(), 0);
  complete(&done);
  complete(&done);
  while (through.load() < 2) std::this_thread::yield();
  std::this_thread::sleep_for(contention::kSettle);
  EXPECT_EQ(through.load(), 2);
  complete(&done);
  complete(&done);
  for (auto& w : waiters) w.join();
  EXPECT_EQ(through.load(), kWaiters);
}

TEST_F(Contention, CompleteAllWakesEveryWaiter) {
  struct completion done;
  init_completion(&done);
  constexpr int kWaiters = 8;
  std::atomic<int> through{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      if (i % 2 == 0) {
        wait_for_completion(&done);
      } else {
        EXPECT_GT(wait_for_completion_timeout(&done, MAX_SCHEDULE_TIMEOUT),
                  0u);
      }
      through++;
    });
  }
  std::this_thread::sleep_for(contention::kSettle);
  EXPECT_EQ(through.load(), 0);
  complete_all(&done);
  for (auto& w : waiters) w.join();
  EXPECT_EQ(through.load(), kWaiters);
  wait_for_completion(&done);  // and every later waiter too
}

TEST_F(Contention, WaitTimeoutExpiresWithoutComplete) {
  struct completion done;
  init_completion(&done);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(wait_for_completion_timeout(&done, 30), 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(29));
}

TEST_F(Contention, WaitTimeoutEndsEarlyOnComplete) {
  struct completion done;
  init_completion(&done);
  unsigned long left = 0;
  {
    BlockedCall waiter(
        [&] { left = wait_for_completion_timeout(&done, 60 * 1000); });
    EXPECT_TRUE(waiter.StaysBlocked());
    complete(&done);
    EXPECT_TRUE(waiter.Returns());
  }
  EXPECT_GT(left, 0u);
  EXPECT_LE(left, 60u * 1000);
}

// ===========================================================================
// struct mutex calls on the base of a ww_mutex (allowed, as in Linux): one
// lock, one queue, whichever way it is taken.

DEFINE_WW_CLASS(base_class);

TEST_F(Contention, MutexLockOnWwBaseWaitsForAWwHolder) {
  struct ww_mutex ww;
  ww_mutex_init(&ww, &base_class);
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &base_class);
  ASSERT_EQ(ww_mutex_lock(&ww, &ctx), 0);
  {
    BlockedCall plain([&] {
      mutex_lock(&ww.base);
      EXPECT_TRUE(mutex_is_locked(&ww.base));
      mutex_unlock(&ww.base);
    });
    BlockedCall other([&] {
      struct ww_acquire_ctx other_ctx;
      ww_acquire_init(&other_ctx, &base_class);
      EXPECT_EQ(ww_mutex_lock(&ww, &other_ctx), 0);
      ww_mutex_unlock(&ww);
      ww_acquire_fini(&other_ctx);
    });
    EXPECT_TRUE(plain.StaysBlocked());
    EXPECT_TRUE(other.StaysBlocked()) << "a second ww_mutex_lock got in";
    EXPECT_EQ(mutex_trylock(&ww.base), 0);
    EXPECT_EQ(ww.ctx.load(), &ctx);
    ww_mutex_unlock(&ww);
    EXPECT_TRUE(plain.Returns()) << "the plain waiter was never woken";
    EXPECT_TRUE(other.Returns());
  }
  ww_acquire_fini(&ctx);
  EXPECT_FALSE(ww_mutex_is_locked(&ww));
}

TEST_F(Contention, WwLockWaitsForAMutexLockOnTheBase) {
  struct ww_mutex ww;
  ww_mutex_init(&ww, &base_class);
  mutex_lock(&ww.base);
  EXPECT_TRUE(ww_mutex_is_locked(&ww));
  {
    BlockedCall ww_locker([&] {
      struct ww_acquire_ctx ctx;
      ww_acquire_init(&ctx, &base_class);
      EXPECT_EQ(ww_mutex_lock(&ww, &ctx), 0);
      ww_mutex_unlock(&ww);
      ww_acquire_fini(&ctx);
    });
    EXPECT_TRUE(ww_locker.StaysBlocked());
    EXPECT_EQ(ww_mutex_trylock(&ww, nullptr), 0);
    mutex_unlock(&ww.base);
    EXPECT_TRUE(ww_locker.Returns());
  }
  EXPECT_FALSE(mutex_is_locked(&ww.base));
}

TEST_F(Contention, MutexAndWwLockersOfOneWwMutexExclude) {
  struct ww_mutex ww;
  ww_mutex_init(&ww, &base_class);
  ExclusionProbe probe;
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < kRounds; ++i) {
      switch (t % 3) {
        case 0:
          mutex_lock(&ww.base);
          probe.Section(i);
          mutex_unlock(&ww.base);
          break;
        case 1: {
          struct ww_acquire_ctx ctx;
          ww_acquire_init(&ctx, &base_class);
          EXPECT_EQ(ww_mutex_lock(&ww, &ctx), 0);  // holds nothing else
          probe.Section(i);
          ww_mutex_unlock(&ww);
          ww_acquire_fini(&ctx);
          break;
        }
        default:
          while (!mutex_trylock(&ww.base)) std::this_thread::yield();
          probe.Section(i);
          mutex_unlock(&ww.base);
      }
    }
  });
  EXPECT_EQ(probe.overlaps(), 0);
  EXPECT_EQ(probe.counter(), long{kThreads} * kRounds);
  EXPECT_FALSE(ww_mutex_is_locked(&ww));
}

}  // namespace
