// The runtime under load: many threads over many classes, threads creating
// opposite orders at the same instant, and thread churn. Bounded in count and
// time (a few seconds, fewer iterations under sanitizers).
#include <sys/resource.h>

#include <atomic>
#include <barrier>
#include <memory>
#include <thread>
#include <vector>

#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kScale = 1;
#else
constexpr int kScale = 4;
#endif

class LoadTest : public lockdep_test::LockdepTest {};

// Eight threads take pairs of 64 mutexes, always lower index first (a valid
// order), many times: no report at all, and every class and pair was seen.
TEST_F(LoadTest, ManyThreadsManyClassesNoFalseReport) {
  constexpr int kLocks = 64;
  static lock_class_key keys[kLocks];
  auto locks = std::make_unique<struct mutex[]>(kLocks);
  for (int i = 0; i < kLocks; ++i) {
    __mutex_init(&locks[i], "load_mutex", &keys[i]);
  }
  std::vector<std::thread> threads;
  std::atomic<long> pairs{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      unsigned seed = 1234u + unsigned(t);
      for (int i = 0; i < 2000 * kScale; ++i) {
        seed = seed * 1103515245u + 12345u;
        int a = int(seed >> 8) % kLocks, b = int(seed >> 20) % kLocks;
        if (a == b) continue;
        if (a > b) std::swap(a, b);
        mutex_lock(&locks[a]);
        mutex_lock(&locks[b]);
        pairs++;
        mutex_unlock(&locks[b]);
        mutex_unlock(&locks[a]);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GT(pairs.load(), 8 * 1000 * kScale);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Two threads create A -> B and B -> A at the same instant, many times over
// fresh classes: every inversion is reported exactly once (none lost to the
// race), never twice.
TEST_F(LoadTest, OppositeOrdersAtTheSameInstantAreNeverLost) {
  constexpr int kRounds = 100;
  static lock_class_key keys[2 * kRounds];
  std::barrier sync(2);
  auto run = [&](bool reversed) {
    for (int r = 0; r < kRounds; ++r) {
      // Hook-only locks: taking real ones in opposite orders could deadlock.
      lockdep_map a, b;
      lockdep_init_map(&a, "race_A", &keys[2 * r], 0);
      lockdep_init_map(&b, "race_B", &keys[2 * r + 1], 0);
      lockdep_map* first = reversed ? &b : &a;
      lockdep_map* second = reversed ? &a : &b;
      sync.arrive_and_wait();
      lock_acquire(first, 0, 0, 0, 1, nullptr, LOCKDEP_THIS_IP);
      lock_acquire(second, 0, 0, 0, 1, nullptr, LOCKDEP_THIS_IP);
      lock_release(second, LOCKDEP_THIS_IP);
      lock_release(first, LOCKDEP_THIS_IP);
    }
  };
  std::thread t1(run, false), t2(run, true);
  t1.join();
  t2.join();
  std::vector<ReportKind> kinds = Kinds();
  EXPECT_EQ(kinds.size(), size_t(kRounds));
  for (ReportKind k : kinds) EXPECT_EQ(k, ReportKind::kCircularDependency);
}

long MaxRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Thousands of short threads, each taking locks (so each gets its state and
// exit hook): memory stays flat.
TEST_F(LoadTest, ThreadChurnLeavesMemoryFlat) {
  static DEFINE_SPINLOCK(l);
  static DEFINE_MUTEX(m);
  auto wave = [&](int n) {
    for (int i = 0; i < n; ++i) {
      std::thread([&] {
        mutex_lock(&m);
        spin_lock(&l);
        spin_unlock(&l);
        mutex_unlock(&m);
      }).join();
    }
  };
  wave(500);  // warm-up: allocator and runtime caches
  const long before = MaxRssKb();
  wave(2500 * kScale);
  const long after = MaxRssKb();
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed blocks in a quarantine and per-thread
  // allocator caches, so RSS grows with churn whatever the runtime does;
  // there LeakSanitizer, at exit, is the check that no thread leaks memory.
  (void)before;
  (void)after;
#else
  EXPECT_LT(after - before, 8 * 1024) << "RSS grew from " << before << " KiB to " << after;
#endif
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
