// lockdep::Mutex, SharedMutex and SpinLock tested as locks: threads really
// contend, and each test fails if the lock does not wait.
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "instrument/cxx.h"
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

template <typename Lock>
class CxxContention : public ::contention::ContentionTest {};

using ExclusiveTypes =
    ::testing::Types<lockdep::Mutex, lockdep::SharedMutex, lockdep::SpinLock>;
TYPED_TEST_SUITE(CxxContention, ExclusiveTypes);

TYPED_TEST(CxxContention, ExcludesAndLosesNoUpdate) {
  TypeParam lock("contended");
  ExclusionProbe probe;
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < kRounds; ++i) {
      if (t % 2 == 0) {
        std::lock_guard<TypeParam> guard(lock);
        probe.Section(i);
      } else {
        while (!lock.try_lock()) std::this_thread::yield();
        probe.Section(i);
        lock.unlock();
      }
    }
  });
  EXPECT_EQ(probe.overlaps(), 0);
  EXPECT_EQ(probe.counter(), long{kThreads} * kRounds);
}

TYPED_TEST(CxxContention, WaiterGetsInAfterUnlock) {
  TypeParam lock("held");
  lock.lock();
  {
    BlockedCall waiter([&] { std::lock_guard<TypeParam> guard(lock); });
    EXPECT_TRUE(waiter.StaysBlocked());
    EXPECT_FALSE(lock.try_lock());
    lock.unlock();
    EXPECT_TRUE(waiter.Returns());
  }
}

using SharedMutexContention = ::contention::ContentionTest;

TEST_F(SharedMutexContention, KeepsReaderWriterInvariants) {
  lockdep::SharedMutex lock("shared");
  ReaderWriterProbe probe;
  constexpr int kWriters = 2;
  RunReadersAndWriters(
      kThreads + 1, kWriters,
      [&](int i) {
        std::lock_guard<lockdep::SharedMutex> guard(lock);
        probe.WriterSection(i);
      },
      [&](int i) {
        if (i % 2 == 0) {
          std::shared_lock<lockdep::SharedMutex> guard(lock);
          probe.ReaderSection(i);
        } else {
          while (!lock.try_lock_shared()) std::this_thread::yield();
          probe.ReaderSection(i);
          lock.unlock_shared();
        }
      });
  EXPECT_EQ(probe.violations(), 0);
  EXPECT_EQ(probe.value(), long{kWriters} * kRounds);
}

TEST_F(SharedMutexContention, ReadersShareAndKeepAWriterOut) {
  lockdep::SharedMutex lock("shared");
  lock.lock_shared();
  {
    BlockedCall reader([&] { std::shared_lock<lockdep::SharedMutex> g(lock); });
    EXPECT_TRUE(reader.Returns());
  }
  {
    BlockedCall writer([&] { std::lock_guard<lockdep::SharedMutex> g(lock); });
    EXPECT_TRUE(writer.StaysBlocked());
    lock.unlock_shared();
    EXPECT_TRUE(writer.Returns());
  }
}

}  // namespace
