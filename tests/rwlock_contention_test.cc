// rwlock_t tested as a lock: only what holds for any correct reader-writer
// lock (a writer is alone, readers share with readers and never with a
// writer, no update is lost, a blocked writer gets in once readers leave).
// Nothing here depends on whether a reader waits behind a waiting writer.
#include <atomic>
#include <thread>

#include "instrument/kernel.h"
#include "tests/contention.h"
#include "tests/test_support.h"

namespace {

using ::contention::BlockedCall;
using ::contention::kRounds;
using ::contention::kThreads;
using ::contention::ReaderWriterProbe;
using ::contention::RunReadersAndWriters;

class RwlockContention : public ::contention::ContentionTest {
 protected:
  void SetUp() override {
    ContentionTest::SetUp();
    rwlock_init(&lock_);
  }
  rwlock_t lock_;
};

TEST_F(RwlockContention, KeepsReaderWriterInvariants) {
  ReaderWriterProbe probe;
  constexpr int kWriters = 2;
  RunReadersAndWriters(
      kThreads + 1, kWriters,
      [&](int i) {
        switch (i % 3) {
          case 0:
            write_lock(&lock_);
            probe.WriterSection(i);
            write_unlock(&lock_);
            break;
          case 1: {
            unsigned long flags;
            write_lock_irqsave(&lock_, flags);
            probe.WriterSection(i);
            write_unlock_irqrestore(&lock_, flags);
            break;
          }
          default:
            while (!write_trylock(&lock_)) std::this_thread::yield();
            probe.WriterSection(i);
            write_unlock(&lock_);
        }
      },
      [&](int i) {
        if (i % 2 == 0) {
          read_lock(&lock_);
        } else {
          while (!read_trylock(&lock_)) std::this_thread::yield();
        }
        probe.ReaderSection(i);
        read_unlock(&lock_);
      });
  EXPECT_EQ(probe.violations(), 0);
  EXPECT_EQ(probe.value(), long{kWriters} * kRounds);
}

TEST_F(RwlockContention, WritersExcludeEachOther) {
  write_lock(&lock_);
  {
    BlockedCall writer([&] {
      write_lock(&lock_);
      write_unlock(&lock_);
    });
    EXPECT_TRUE(writer.StaysBlocked());
    EXPECT_EQ(write_trylock(&lock_), 0);
    EXPECT_EQ(read_trylock(&lock_), 0);
    write_unlock(&lock_);
    EXPECT_TRUE(writer.Returns());
  }
}

TEST_F(RwlockContention, AWriterExcludesReaders) {
  write_lock(&lock_);
  {
    BlockedCall reader([&] {
      read_lock(&lock_);
      read_unlock(&lock_);
    });
    EXPECT_TRUE(reader.StaysBlocked());
    write_unlock(&lock_);
    EXPECT_TRUE(reader.Returns());
  }
}

TEST_F(RwlockContention, ReadersShareAndKeepAWriterOut) {
  read_lock(&lock_);
  // Other readers get in while no writer is around.
  std::thread([&] {
    EXPECT_EQ(read_trylock(&lock_), 1);
    read_unlock(&lock_);
    EXPECT_EQ(write_trylock(&lock_), 0);
  }).join();
  {
    BlockedCall reader([&] {
      read_lock(&lock_);
      read_unlock(&lock_);
    });
    EXPECT_TRUE(reader.Returns());
  }
  {
    BlockedCall writer([&] {
      write_lock(&lock_);
      write_unlock(&lock_);
    });
    EXPECT_TRUE(writer.StaysBlocked());
    read_unlock(&lock_);
    EXPECT_TRUE(writer.Returns());
  }
}

}  // namespace
