// Tests of lockdep::Mutex, lockdep::SharedMutex and lockdep::SpinLock.
//
// The first suites test the real locking and the standard-library fit, and
// must make no report (target cxx_test). CxxValidation, at the end, makes
// reports on purpose and checks what the validator says about these types
// (target cxx_validation_test).
#include "instrument/cxx.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/lockdep.h"
#include "runtime/report.h"

// These tests misuse locks on purpose (unlocking unlocked locks, try_lock
// results checked through EXPECT_*), which Clang's static analysis rightly
// rejects; it is for the code under test's users, not for this file.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wthread-safety-analysis"
#endif

namespace {

using std::chrono::steady_clock;
using namespace std::chrono_literals;

// Generous: only reached when a lock is broken, never on a passing run.
constexpr auto kDeadline = 20s;

// Spins until `done()` or the deadline; returns done(). Tests use it instead
// of sleeping, so a broken lock fails instead of hanging.
template <typename Pred>
bool WaitFor(Pred done) {
  const auto until = steady_clock::now() + kDeadline;
  while (!done()) {
    if (steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

// Misuse tests check that the real lock survives what the validator reports;
// the report itself is CxxValidation's business, so this thread's lock
// tracking is off meanwhile (a report would also fail this binary at exit).
class ScopedValidationOff {
 public:
  ScopedValidationOff() { lockdep_off(); }
  ~ScopedValidationOff() { lockdep_on(); }
};

// ---------------------------------------------------------------------------
// Exclusive locking, the same for all three types.

template <typename Lock>
class ExclusiveLockTest : public ::testing::Test {};

using ExclusiveLockTypes =
    ::testing::Types<lockdep::Mutex, lockdep::SharedMutex, lockdep::SpinLock>;
TYPED_TEST_SUITE(ExclusiveLockTest, ExclusiveLockTypes);

TYPED_TEST(ExclusiveLockTest, IsSmall) { EXPECT_LE(sizeof(TypeParam), 48u); }

TYPED_TEST(ExclusiveLockTest, WorksWithStandardGuards) {
  TypeParam a;
  TypeParam b;
  int value = 0;
  {
    std::lock_guard<TypeParam> guard(a);
    ++value;
  }
  {
    std::unique_lock<TypeParam> guard(a);
    EXPECT_TRUE(guard.owns_lock());
    guard.unlock();
    EXPECT_FALSE(guard.owns_lock());
    guard.lock();
    ++value;
  }
  {
    std::unique_lock<TypeParam> guard(a, std::try_to_lock);
    EXPECT_TRUE(guard.owns_lock());
  }
  {
    std::scoped_lock guard(a, b);
    ++value;
  }
  {
    lockdep::LockGuard guard(a);
    ++value;
  }
  EXPECT_EQ(value, 4);
  // Everything was released: a and b can be taken again.
  EXPECT_TRUE(a.try_lock());
  EXPECT_TRUE(b.try_lock());
  b.unlock();
  a.unlock();
}

TYPED_TEST(ExclusiveLockTest, NoLostUpdatesUnderContention) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 20000;
  TypeParam lock;
  long counter = 0;  // plain: ThreadSanitizer checks the lock orders access
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIterations; ++i) {
        std::lock_guard<TypeParam> guard(lock);
        ++counter;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter, long{kThreads} * kIterations);
}

TYPED_TEST(ExclusiveLockTest, TryLockFailsWhileHeldElsewhere) {
  TypeParam lock;
  std::atomic<bool> held{false};
  std::atomic<bool> release{false};
  std::thread holder([&] {
    lock.lock();
    held = true;
    WaitFor([&] { return release.load(); });
    lock.unlock();
  });
  ASSERT_TRUE(WaitFor([&] { return held.load(); }));
  EXPECT_FALSE(lock.try_lock());
  release = true;
  holder.join();
  EXPECT_TRUE(lock.try_lock());
  lock.unlock();
}

TYPED_TEST(ExclusiveLockTest, BlockedLockerGetsTheLockAfterUnlock) {
  TypeParam lock;
  std::atomic<bool> acquired{false};
  lock.lock();
  std::thread waiter([&] {
    lock.lock();
    acquired = true;
    lock.unlock();
  });
  // Long enough for the waiter to give up spinning and sleep in the kernel.
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(acquired.load());
  lock.unlock();
  waiter.join();
  EXPECT_TRUE(acquired.load());
}

TYPED_TEST(ExclusiveLockTest, UnlockingAnUnlockedLockLeavesItWorking) {
  ScopedValidationOff off;
  TypeParam lock;
  lock.unlock();  // the validator reports this; the real lock must not care
  EXPECT_TRUE(lock.try_lock());
  EXPECT_FALSE(lock.try_lock());
  lock.unlock();
  lock.lock();
  lock.unlock();
}

TYPED_TEST(ExclusiveLockTest, ContendedLockPreservesErrno) {
  TypeParam lock;
  lock.lock();
  std::atomic<int> errno_after{0};
  std::thread waiter([&] {
    errno = 4242;
    lock.lock();  // sleeps (futex) or yields (spin) until unlocked
    errno_after = errno;
    lock.unlock();
  });
  std::this_thread::sleep_for(50ms);
  lock.unlock();
  waiter.join();
  EXPECT_EQ(errno_after.load(), 4242);
}

TEST(MutexTest, WorksWithConditionVariableAny) {
  lockdep::Mutex mu;
  std::condition_variable_any cv;
  bool ready = false;
  std::thread producer([&] {
    std::lock_guard<lockdep::Mutex> guard(mu);
    ready = true;
    cv.notify_one();
  });
  {
    std::unique_lock<lockdep::Mutex> guard(mu);
    cv.wait(guard, [&] { return ready; });
  }
  producer.join();
  EXPECT_TRUE(ready);
}

TEST(MutexTest, LockNestedLocksAndUnlockReleases) {
  lockdep::Mutex parent;
  lockdep::Mutex child;
  parent.lock();
  child.lock_nested(1);
  EXPECT_FALSE(child.try_lock());
  child.unlock();
  parent.unlock();
  EXPECT_TRUE(child.try_lock());
  child.unlock();
}

TEST(LockSiteTest, CurrentIsTheCallersLine) {
  const unsigned expected_line = __LINE__ + 1;
  const lockdep::LockSite site = lockdep::LockSite::Current();
  EXPECT_EQ(site.line, expected_line);
  EXPECT_TRUE(std::string_view(site.file).ends_with("cxx_test.cc"))
      << site.file;
}

// ---------------------------------------------------------------------------
// SharedMutex readers.

TEST(SharedMutexTest, WorksWithSharedLockAndGuards) {
  lockdep::SharedMutex mu;
  int value = 1;
  {
    std::shared_lock<lockdep::SharedMutex> reader(mu);
    EXPECT_TRUE(reader.owns_lock());
    EXPECT_EQ(value, 1);
  }
  {
    lockdep::SharedLockGuard reader(mu);
    EXPECT_EQ(value, 1);
  }
  {
    std::unique_lock<lockdep::SharedMutex> writer(mu);
    value = 2;
  }
  {
    std::shared_lock<lockdep::SharedMutex> reader(mu, std::try_to_lock);
    EXPECT_TRUE(reader.owns_lock());
    EXPECT_EQ(value, 2);
  }
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(SharedMutexTest, ReadersRunConcurrently) {
  lockdep::SharedMutex mu;
  std::atomic<int> inside{0};
  std::atomic<int> saw_both{0};
  auto reader = [&] {
    std::shared_lock<lockdep::SharedMutex> guard(mu);
    inside.fetch_add(1);
    // Only possible if the other reader is inside at the same time.
    if (WaitFor([&] { return inside.load() == 2; })) saw_both.fetch_add(1);
  };
  std::thread first(reader);
  std::thread second(reader);
  first.join();
  second.join();
  EXPECT_EQ(saw_both.load(), 2);
}

TEST(SharedMutexTest, TryLockSemantics) {
  lockdep::SharedMutex mu;
  std::atomic<int> phase{0};
  std::atomic<int> step_done{0};
  // The other thread holds the lock in the mode the main thread asks for.
  std::thread holder([&] {
    WaitFor([&] { return phase.load() == 1; });
    mu.lock_shared();
    step_done = 1;
    WaitFor([&] { return phase.load() == 2; });
    mu.unlock_shared();
    mu.lock();
    step_done = 2;
    WaitFor([&] { return phase.load() == 3; });
    mu.unlock();
    step_done = 3;
  });
  phase = 1;
  ASSERT_TRUE(WaitFor([&] { return step_done.load() == 1; }));
  EXPECT_TRUE(mu.try_lock_shared()) << "readers share";
  mu.unlock_shared();
  EXPECT_FALSE(mu.try_lock()) << "a reader excludes writers";
  phase = 2;
  ASSERT_TRUE(WaitFor([&] { return step_done.load() == 2; }));
  EXPECT_FALSE(mu.try_lock_shared()) << "a writer excludes readers";
  EXPECT_FALSE(mu.try_lock()) << "a writer excludes writers";
  phase = 3;
  holder.join();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(SharedMutexTest, WaitingWriterBlocksNewReaders) {
  lockdep::SharedMutex mu;
  mu.lock_shared();
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    mu.lock();
    mu.unlock();
    writer_done = true;
  });
  // While the writer waits for the reader to leave, new readers must queue
  // behind it (that is what makes readers non-recursive).
  EXPECT_TRUE(WaitFor([&] {
    if (!mu.try_lock_shared()) return true;
    mu.unlock_shared();
    return false;
  }));
  EXPECT_FALSE(writer_done.load());
  mu.unlock_shared();
  writer.join();
  EXPECT_TRUE(writer_done.load());
}

TEST(SharedMutexTest, WritersExcludeReadersUnderContention) {
  constexpr int kIterations = 5000;
  lockdep::SharedMutex mu;
  long value = 0;  // even outside write sections
  std::atomic<int> readers_inside{0};
  std::atomic<int> writers_inside{0};
  std::atomic<int> violations{0};
  auto writer = [&] {
    for (int i = 0; i < kIterations; ++i) {
      std::lock_guard<lockdep::SharedMutex> guard(mu);
      if (writers_inside.fetch_add(1) != 0 || readers_inside.load() != 0) {
        violations.fetch_add(1);
      }
      ++value;
      ++value;
      writers_inside.fetch_sub(1);
    }
  };
  auto reader = [&] {
    for (int i = 0; i < kIterations; ++i) {
      std::shared_lock<lockdep::SharedMutex> guard(mu);
      readers_inside.fetch_add(1);
      if (writers_inside.load() != 0 || value % 2 != 0) violations.fetch_add(1);
      readers_inside.fetch_sub(1);
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(writer);
  threads.emplace_back(reader);
  threads.emplace_back(writer);
  threads.emplace_back(reader);
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(value, 2L * 2 * kIterations);
}

TEST(SharedMutexTest, UnlockSharedOfUnlockedLeavesItWorking) {
  ScopedValidationOff off;
  lockdep::SharedMutex mu;
  mu.unlock_shared();
  mu.lock();
  mu.unlock_shared();  // wrong mode: the real lock must stay write-locked
  EXPECT_FALSE(mu.try_lock_shared());
  mu.unlock();
  EXPECT_TRUE(mu.try_lock_shared());
  mu.unlock();  // wrong mode again
  EXPECT_FALSE(mu.try_lock());
  mu.unlock_shared();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

// ---------------------------------------------------------------------------
// CxxValidation: what the validator reports for these types (target
// cxx_validation_test).

class CxxValidation : public ::testing::Test {
 protected:
  // The suite makes reports on purpose; they must not set the exit status.
  static void SetUpTestSuite() { lockdep::SetReportExitCode(0); }
  void SetUp() override { lockdep::ResetForTesting(); }

  static size_t CountOf(lockdep::ReportKind kind) {
    const std::vector<lockdep::Report> reports = lockdep::CollectedReports();
    return std::count_if(
        reports.begin(), reports.end(),
        [kind](const lockdep::Report& r) { return r.kind == kind; });
  }

  static std::optional<lockdep::Report> First(lockdep::ReportKind kind) {
    for (const lockdep::Report& r : lockdep::CollectedReports()) {
      if (r.kind == kind) return r;
    }
    return std::nullopt;
  }

  static bool Mentions(const lockdep::Report& report, const std::string& name) {
    return std::find(report.classes.begin(), report.classes.end(), name) !=
           report.classes.end();
  }
};

TEST_F(CxxValidation, AbbaBetweenTwoSitesIsACircularDependency) {
  const unsigned line_a = __LINE__ + 1;
  lockdep::Mutex a;
  const unsigned line_b = __LINE__ + 1;
  lockdep::Mutex b;
  {
    std::lock_guard<lockdep::Mutex> ga(a);
    std::lock_guard<lockdep::Mutex> gb(b);
  }
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  {
    std::lock_guard<lockdep::Mutex> gb(b);
    std::lock_guard<lockdep::Mutex> ga(a);
  }
  EXPECT_EQ(CountOf(lockdep::ReportKind::kCircularDependency), 1u);
  const std::optional<lockdep::Report> report =
      First(lockdep::ReportKind::kCircularDependency);
  ASSERT_TRUE(report.has_value());
  // Default class names are "file.cc:line" of the construction site.
  EXPECT_TRUE(Mentions(*report, "cxx_test.cc:" + std::to_string(line_a)))
      << report->text;
  EXPECT_TRUE(Mentions(*report, "cxx_test.cc:" + std::to_string(line_b)))
      << report->text;
  EXPECT_NE(report->title.find("possible circular locking dependency"),
            std::string::npos);
}

TEST_F(CxxValidation, AbbaAcrossThreadsIsReported) {
  lockdep::Mutex a("cross_a");
  lockdep::SpinLock b("cross_b");
  std::thread([&] {
    std::lock_guard<lockdep::Mutex> ga(a);
    std::lock_guard<lockdep::SpinLock> gb(b);
  }).join();
  std::thread([&] {
    std::lock_guard<lockdep::SpinLock> gb(b);
    std::lock_guard<lockdep::Mutex> ga(a);
  }).join();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kCircularDependency), 1u);
}

// Every object constructed at one site is one class, so holding two of them
// is recursive locking of that class. (Through std::make_unique: a bare
// `new lockdep::Mutex` in a loop the optimiser unrolls is two call
// instructions, which the unnamed default classes apart; see cxx.h.)
TEST_F(CxxValidation, TwoLocksFromOneSiteAreOneClass) {
  std::vector<std::unique_ptr<lockdep::Mutex>> locks;
  for (int i = 0; i < 2; ++i) locks.push_back(std::make_unique<lockdep::Mutex>());
  locks[0]->lock();
  locks[1]->lock();
  locks[1]->unlock();
  locks[0]->unlock();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kRecursiveLocking), 1u);
  EXPECT_EQ(CountOf(lockdep::ReportKind::kCircularDependency), 0u);
}

TEST_F(CxxValidation, LockNestedAllowsOneOrderOfOneClass) {
  std::vector<std::unique_ptr<lockdep::Mutex>> locks;
  for (int i = 0; i < 2; ++i) locks.emplace_back(new lockdep::Mutex);
  locks[0]->lock();
  locks[1]->lock_nested(1);
  locks[1]->unlock();
  locks[0]->unlock();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  // The reverse order (child first) closes a cycle between the subclasses.
  locks[1]->lock_nested(1);
  locks[0]->lock();
  locks[0]->unlock();
  locks[1]->unlock();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kCircularDependency), 1u);
}

// Lock members are all constructed "at" the enclosing constructor; their
// names make them distinct classes.
// Nests `a` then `b` (must be quiet), then `b` then `a` (the inversion).
void NestBothWays(lockdep::Mutex& a, lockdep::Mutex& b) {
  a.lock();
  b.lock();
  b.unlock();
  a.unlock();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  b.lock();
  a.lock();
  a.unlock();
  b.unlock();
}

TEST_F(CxxValidation, NamedMembersAreDistinctClasses) {
  struct Account {
    lockdep::Mutex mu{"Account::mu"};
    lockdep::Mutex log_mu{"Account::log_mu"};
  } account;
  NestBothWays(account.mu, account.log_mu);
  const std::optional<lockdep::Report> report =
      First(lockdep::ReportKind::kCircularDependency);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(Mentions(*report, "Account::mu")) << report->text;
  EXPECT_TRUE(Mentions(*report, "Account::log_mu")) << report->text;
}

// Each unnamed member is a class of its own, named after the member, so
// correct nesting is accepted and a real ABBA between them is reported.
constexpr int kMapMuLine = __LINE__ + 2;
struct Cache {
  lockdep::Mutex map_mu;
  lockdep::Mutex lru_mu;
};

TEST_F(CxxValidation, UnnamedMembersAreDistinctClasses) {
  Cache cache;
  NestBothWays(cache.map_mu, cache.lru_mu);
  EXPECT_EQ(CountOf(lockdep::ReportKind::kRecursiveLocking), 0u);
  const std::optional<lockdep::Report> report =
      First(lockdep::ReportKind::kCircularDependency);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->classes.size(), 2u);
  EXPECT_NE(report->classes[0], report->classes[1]);
  // Named after the members the debug information declares.
  EXPECT_NE(std::find(report->classes.begin(), report->classes.end(),
                      "(anonymous namespace)::Cache::map_mu (cxx_test.cc:" +
                          std::to_string(kMapMuLine) + ")"),
            report->classes.end());
}

// The same member of two objects is one class, wherever the objects are
// constructed: taking it in both is recursive locking, and the report says
// why they share a class and how to tell them apart or order them.
TEST_F(CxxValidation, SameMemberOfTwoObjectsIsOneClass) {
  Cache first;
  auto second = std::make_unique<Cache>();
  first.map_mu.lock();
  second->map_mu.lock();
  second->map_mu.unlock();
  first.map_mu.unlock();
  const std::optional<lockdep::Report> report =
      First(lockdep::ReportKind::kRecursiveLocking);
  ASSERT_TRUE(report.has_value());
  EXPECT_NE(report->text.find("Both locks are of class"), std::string::npos)
      << report->text;
  EXPECT_NE(report->text.find("every lockdep::Mutex member "
                              "(anonymous namespace)::Cache::map_mu"),
            std::string::npos)
      << report->text;
  // Not lock_nested(1), which would hide a two-way ABBA between instances.
  EXPECT_EQ(report->text.find("lock_nested(1)"), std::string::npos)
      << report->text;
  EXPECT_NE(report->text.find("std::scoped_lock"), std::string::npos)
      << report->text;
  EXPECT_NE(report->text.find("lock_class_key"), std::string::npos)
      << report->text;
}

TEST_F(CxxValidation, SpinLockAndSharedMutexMembersAreDistinctClasses) {
  struct Mixed {
    lockdep::SpinLock a;
    lockdep::SpinLock b;
    lockdep::SharedMutex c;
    lockdep::SharedMutex d;
  } m;
  m.a.lock();
  m.b.lock();
  m.c.lock();
  m.d.lock_shared();
  m.d.unlock_shared();
  m.c.unlock();
  m.b.unlock();
  m.a.unlock();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
}

// std::make_unique runs the constructor inside the standard library; the
// class is the user's line that called it.
TEST_F(CxxValidation, FactoryLocksAreClassedByTheUsersLine) {
  const unsigned line_a = __LINE__ + 1;
  auto a = std::make_unique<lockdep::Mutex>();
  const unsigned line_b = __LINE__ + 1;
  auto b = std::make_unique<lockdep::Mutex>();
  a->lock();
  b->lock();
  b->unlock();
  a->unlock();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  b->lock();
  a->lock();
  a->unlock();
  b->unlock();
  const std::optional<lockdep::Report> report =
      First(lockdep::ReportKind::kCircularDependency);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(Mentions(*report, "cxx_test.cc:" + std::to_string(line_a)))
      << report->text;
  EXPECT_TRUE(Mentions(*report, "cxx_test.cc:" + std::to_string(line_b)))
      << report->text;
}

unsigned g_make_lock_line = 0;

// A user function that makes locks: its line is the class of all of them.
std::unique_ptr<lockdep::Mutex> MakeLock() {
  g_make_lock_line = __LINE__ + 1;
  return std::make_unique<lockdep::Mutex>();
}

TEST_F(CxxValidation, LocksFromAUserFactoryShareTheFactorysLine) {
  auto a = MakeLock();
  auto b = MakeLock();
  std::vector<lockdep::Mutex> many(2);  // containers: the user's line too
  a->lock();
  b->lock();
  b->unlock();
  a->unlock();
  const std::optional<lockdep::Report> report =
      First(lockdep::ReportKind::kRecursiveLocking);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(
      Mentions(*report, "cxx_test.cc:" + std::to_string(g_make_lock_line)))
      << report->text;
  lockdep::ClearReports();
  const unsigned many_line = __LINE__ - 12;
  many[0].lock();
  many[1].lock();
  many[1].unlock();
  many[0].unlock();
  const std::optional<lockdep::Report> vector_report =
      First(lockdep::ReportKind::kRecursiveLocking);
  ASSERT_TRUE(vector_report.has_value());
  EXPECT_TRUE(
      Mentions(*vector_report, "cxx_test.cc:" + std::to_string(many_line)))
      << vector_report->text;
}

// The "at:" of a lock taken through std::lock_guard (not inlined without
// optimisation) is the user's line, not <mutex>'s.
TEST_F(CxxValidation, AtLinesPointAtTheUsersLine) {
  lockdep::Mutex a("at_a");
  lockdep::Mutex b("at_b");
  {
    std::lock_guard<lockdep::Mutex> ga(a);
    std::lock_guard<lockdep::Mutex> gb(b);
  }
  const unsigned guard_line = __LINE__ + 3;
  const unsigned lock_line = __LINE__ + 3;
  {
    std::lock_guard<lockdep::Mutex> gb(b);
    lockdep::LockGuard<lockdep::Mutex> ga(a);
  }
  const std::optional<lockdep::Report> report =
      First(lockdep::ReportKind::kCircularDependency);
  ASSERT_TRUE(report.has_value());
  const std::string& text = report->text;
  EXPECT_NE(text.find("/cxx_test.cc:" + std::to_string(guard_line) + ")"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/cxx_test.cc:" + std::to_string(lock_line) + ")"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("std_mutex.h"), std::string::npos) << text;
  EXPECT_EQ(text.find("instrument/cxx"), std::string::npos) << text;
  EXPECT_EQ(report->file, "tests/cxx/cxx_test.cc");
  EXPECT_EQ(report->line, static_cast<int>(lock_line));
}

TEST_F(CxxValidation, ExplicitKeyChoosesTheClass) {
  static lock_class_key subsystem_key;
  static lock_class_key other_key;
  lockdep::Mutex a(subsystem_key, "subsystem");
  lockdep::Mutex b(subsystem_key, "subsystem");
  lockdep::Mutex c(other_key, "other");
  a.lock();
  c.lock();
  c.unlock();
  a.unlock();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  a.lock();
  b.lock();  // same key: same class
  b.unlock();
  a.unlock();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kRecursiveLocking), 1u);
}

TEST_F(CxxValidation, SharedMutexReadersAreNotRecursive) {
  lockdep::SharedMutex mu;
  mu.lock_shared();
  mu.lock_shared();  // can deadlock behind a waiting writer
  mu.unlock_shared();
  mu.unlock_shared();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kRecursiveLocking), 1u);
}

TEST_F(CxxValidation, ReaderThenWriterInversionIsACycle) {
  lockdep::SharedMutex a("rw_a");
  lockdep::SharedMutex b("rw_b");
  a.lock_shared();
  b.lock();
  b.unlock();
  a.unlock_shared();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  b.lock();
  a.lock();
  a.unlock();
  b.unlock();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kCircularDependency), 1u);
}

TEST_F(CxxValidation, TryLockAddsNoDependency) {
  lockdep::Mutex a("try_a");
  lockdep::Mutex b("try_b");
  a.lock();
  ASSERT_TRUE(b.try_lock());
  b.unlock();
  a.unlock();
  b.lock();
  a.lock();
  a.unlock();
  b.unlock();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
}

// std::scoped_lock / std::lock take the first lock and try_lock the rest, so
// either argument order is deadlock-free and must not be reported.
TEST_F(CxxValidation, ScopedLockInEitherOrderIsNotReported) {
  lockdep::Mutex a("scoped_a");
  lockdep::Mutex b("scoped_b");
  { std::scoped_lock guard(a, b); }
  { std::scoped_lock guard(b, a); }
  EXPECT_EQ(lockdep::ReportCount(), 0u);
}

TEST_F(CxxValidation, AssertHeldAndNotHeld) {
  lockdep::Mutex mu("assert_mu");
  mu.AssertNotHeld();
  mu.lock();
  mu.AssertHeld();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  mu.AssertNotHeld();
  mu.unlock();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kAssertNotHeldFailed), 1u);
  mu.AssertHeld();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kAssertHeldFailed), 1u);
}

TEST_F(CxxValidation, SharedMutexAssertsDistinguishModes) {
  lockdep::SharedMutex mu("assert_rw");
  mu.lock_shared();
  mu.AssertReaderHeld();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  mu.AssertHeld();  // a reader does not hold it exclusively
  mu.unlock_shared();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kAssertHeldFailed), 1u);
  mu.lock();
  mu.AssertHeld();
  mu.AssertReaderHeld();
  mu.unlock();
  EXPECT_EQ(lockdep::ReportCount(), 1u);
}

TEST_F(CxxValidation, SpinLockAsserts) {
  lockdep::SpinLock lock("assert_spin");
  lock.AssertHeld();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kAssertHeldFailed), 1u);
  lock.lock();
  lock.AssertNotHeld();
  lock.unlock();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kAssertNotHeldFailed), 1u);
}

TEST_F(CxxValidation, UnlockWithoutLockIsBadUnlockBalance) {
  lockdep::Mutex mu("unbalanced");
  mu.unlock();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kBadUnlockBalance), 1u);
  mu.lock();  // and the lock still works
  mu.unlock();
  EXPECT_EQ(lockdep::ReportCount(), 1u);
}

TEST_F(CxxValidation, DestroyingAHeldLockIsReported) {
  // Placement storage keeps the memory valid after the destructor, so the
  // test itself never touches freed memory.
  alignas(lockdep::Mutex) unsigned char storage[sizeof(lockdep::Mutex)];
  auto* mu = new (storage) lockdep::Mutex("destroyed_held");
  mu->lock();
  mu->~Mutex();
  EXPECT_EQ(CountOf(lockdep::ReportKind::kHeldLockFreed), 1u);
}

}  // namespace
