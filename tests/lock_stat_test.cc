// LOCKDEP_OPTIONS=lock_stat=1 (set in BUILD): contentions, wait and hold
// times per class and acquire site on a workload whose figures are known:
// two threads take one lock in turn and hold it for a fixed time.
#include <chrono>
#include <string>
#include <thread>

#include "instrument/cxx.h"
#include "instrument/kernel.h"
#include "runtime/export/graph_dump.h"
#include "runtime/export/graph_text.h"
#include "tests/test_support.h"

namespace {

using ::lockdep_test::LockdepTest;
using ::testing::HasSubstr;

constexpr int kRounds = 20;
constexpr auto kHold = std::chrono::milliseconds(2);

DEFINE_MUTEX(busy_lock);
DEFINE_MUTEX(idle_lock);

const lockdep::graph::LockClass* Class(const lockdep::graph::Graph& g, const std::string& name) {
  for (const auto& c : g.classes()) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

__attribute__((noinline)) void HoldBusyLock() {
  mutex_lock(&busy_lock);
  std::this_thread::sleep_for(kHold);
  mutex_unlock(&busy_lock);
}

TEST_F(LockdepTest, ContendedMutexHasWaitAndHoldTimes) {
  std::thread other([] {
    for (int i = 0; i < kRounds; ++i) HoldBusyLock();
  });
  for (int i = 0; i < kRounds; ++i) HoldBusyLock();
  other.join();
  mutex_lock(&idle_lock);
  mutex_unlock(&idle_lock);

  const lockdep::graph::Graph g = lockdep::CurrentGraph();
  EXPECT_TRUE(g.stats().lock_stat());
  const auto* busy = Class(g, "busy_lock");
  ASSERT_NE(busy, nullptr);
  ASSERT_EQ(busy->stats_size(), 1) << "one acquire site";
  const auto& s = busy->stats(0);
  EXPECT_THAT(s.site().function(), HasSubstr("HoldBusyLock"));
  EXPECT_EQ(s.acquisitions(), 2u * kRounds);
  EXPECT_EQ(s.hold().count(), 2u * kRounds);
  const uint64_t hold_ns = std::chrono::nanoseconds(kHold).count();
  EXPECT_GE(s.hold().min_ns(), hold_ns);
  EXPECT_GE(s.hold().total_ns(), 2 * kRounds * hold_ns);
  EXPECT_GE(s.hold().max_ns(), s.hold().min_ns());
  // Two threads that each hold the lock for 2 ms at a time must wait for each
  // other at least once; every wait is timed.
  EXPECT_GE(s.contentions(), 1u);
  EXPECT_EQ(s.wait().count(), s.contentions());
  EXPECT_GT(s.wait().total_ns(), 0u);
  EXPECT_LE(s.wait().min_ns(), s.wait().max_ns());

  const auto* idle = Class(g, "idle_lock");
  ASSERT_NE(idle, nullptr);
  ASSERT_EQ(idle->stats_size(), 1);
  EXPECT_EQ(idle->stats(0).acquisitions(), 1u);
  EXPECT_EQ(idle->stats(0).contentions(), 0u);

  // Sorted by total wait: the contended class first.
  const std::string text = lockdep::LockStatText(g);
  EXPECT_THAT(text, HasSubstr("lock_stat version 0.4"));
  EXPECT_LT(text.find("busy_lock:"), text.find("idle_lock:")) << text;
  EXPECT_THAT(text, HasSubstr("HoldBusyLock"));
}

TEST_F(LockdepTest, CxxMutexContentionIsCounted) {
  static lockdep::Mutex cxx_lock("cxx_lock");
  std::thread other([] {
    for (int i = 0; i < kRounds; ++i) {
      cxx_lock.lock();
      std::this_thread::sleep_for(kHold);
      cxx_lock.unlock();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    cxx_lock.lock();
    std::this_thread::sleep_for(kHold);
    cxx_lock.unlock();
  }
  other.join();
  const lockdep::graph::Graph g = lockdep::CurrentGraph();
  const auto* c = Class(g, "cxx_lock");
  ASSERT_NE(c, nullptr);
  uint64_t acquisitions = 0, contentions = 0;
  for (const auto& s : c->stats()) {
    acquisitions += s.acquisitions();
    contentions += s.contentions();
  }
  EXPECT_EQ(acquisitions, 2u * kRounds);
  EXPECT_GE(contentions, 1u);
}

}  // namespace
