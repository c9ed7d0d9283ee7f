// Interrupt handlers (signal handlers run between irq_enter and irq_exit)
// that take locks while the interrupted thread is inside the runtime, slow
// path included: no deadlock, no corrupted held-lock stack, and what cannot be
// tracked is counted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

#include "runtime/lockdep.h"
#include "runtime/report.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

lock_class_key key_h, key_a;

void Lock(lockdep_map* m) { lock_acquire(m, 0, 0, 0, 1, nullptr, LOCKDEP_THIS_IP); }
void Unlock(lockdep_map* m) { lock_release(m, LOCKDEP_THIS_IP); }

// A handler arriving while the thread is inside a hook (simulated: the
// recursion guard is up, as it is during every hook).
TEST(SignalSafety, HandlerInsideTheRuntimeIsCountedNotTracked) {
  ResetForTesting();
  lockdep_map h;
  lockdep_init_map(&h, "handler_lock", &key_h, 0);
  ThreadState& ts = CurrentThread();
  const uint32_t depth = ts.depth;
  const uint64_t before = g_untracked_handler_acquisitions.load();
  {
    InValidator inside(ts);
    lockdep_hardirq_enter(0);
    Lock(&h);
    Unlock(&h);
    lockdep_hardirq_exit(0);
  }
  EXPECT_EQ(g_untracked_handler_acquisitions.load() - before, 1u);
  EXPECT_EQ(ts.depth, depth);
  EXPECT_EQ(ReportCount(), 0u);
  // A handler that interrupts ordinary code is tracked as usual.
  lockdep_hardirq_enter(0);
  Lock(&h);
  EXPECT_TRUE(lock_is_held(&h));
  Unlock(&h);
  lockdep_hardirq_exit(0);
  EXPECT_EQ(g_untracked_handler_acquisitions.load() - before, 1u);
}

lockdep_map handler_map;
std::atomic<long> handled{0};

void Handler(int) {
  lockdep_hardirq_enter(0);
  Lock(&handler_map);
  Unlock(&handler_map);
  lockdep_hardirq_exit(0);
  handled.fetch_add(1, std::memory_order_relaxed);
}

// Real signals at a high rate into a thread that keeps forming new chains
// (slow path, graph lock held): every handler runs to the end, nothing hangs,
// nothing is reported.
TEST(SignalSafety, SignalsDuringTheSlowPath) {
  ResetForTesting();
  lockdep_init_map(&handler_map, "handler_lock", &key_h, 0);
  struct sigaction sa = {};
  sa.sa_handler = Handler;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &sa, nullptr), 0);
  alarm(60);  // a hang fails loudly
  // The handler's own chain is learnt first, outside any stress, so later
  // handlers that interrupt ordinary code take the fast path only.
  raise(SIGUSR1);
  ASSERT_EQ(handled.load(), 1);

  std::atomic<bool> stop{false};
  std::atomic<bool> started{false};
  constexpr int kKeys = 300;
  constexpr int kMinHandled = 20;
  std::unique_ptr<lock_class_key[]> keys(new lock_class_key[kKeys]);
  std::thread worker([&] {
    started = true;
    lockdep_map a;
    lockdep_init_map(&a, "outer", &key_a, 0);
    // At least kKeys rounds, and on until signals have really arrived: on a
    // loaded machine the rounds can end before the first pthread_kill.
    for (int i = 0; i < kKeys || handled.load() < kMinHandled; ++i) {
      lock_class_key* key = &keys[i % kKeys];
      lockdep_register_key(key);
      lockdep_map m;
      lockdep_init_map(&m, "fresh", key, 0);
      Lock(&a);
      Lock(&m);  // a new class: a new chain, a new dependency
      Unlock(&m);
      Unlock(&a);
      lockdep_unregister_key(key);
    }
    stop = true;
  });
  while (!started.load()) std::this_thread::yield();
  long sent = 0;
  pthread_t target = worker.native_handle();
  while (!stop.load()) {
    if (pthread_kill(target, SIGUSR1) == 0) ++sent;
    std::this_thread::yield();
  }
  worker.join();
  alarm(0);
  EXPECT_GT(sent, 0);
  EXPECT_GE(handled.load(), kMinHandled);
  EXPECT_EQ(ReportCount(), 0u);
  EXPECT_TRUE(ValidationEnabled());
  signal(SIGUSR1, SIG_DFL);
}

}  // namespace
}  // namespace lockdep
