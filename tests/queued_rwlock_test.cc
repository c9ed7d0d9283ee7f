// rwlock_t as Linux's queued rwlock: process-context readers are fair (they
// wait behind a waiting writer) and so non-recursive for lockdep; readers in
// interrupt context are recursive. Linux's "queued read lock" selftest group
// (run there with force_read_lock_recursive off, as here), the process-context
// inversions it implies, and the raw lock's fairness with real threads.
#include <atomic>
#include <chrono>
#include <thread>

#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class QueuedRwlockTest : public lockdep_test::LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    ASSERT_FALSE(force_read_lock_recursive.load());
    rwlock_init(&a);
    spin_lock_init(&b);
  }
  rwlock_t a;
  spinlock_t b;
};

void HardirqEnter() {
  local_irq_disable();
  irq_enter();
}
void HardirqExit() {
  irq_exit();
  local_irq_enable();
}

// <in hardirq> read_lock(A); spin_lock(B)  vs  <irqs off> spin_lock(B);
// read_lock(A): the process-context reader queues behind a writer that waits
// for the irq-context reader, which waits for B: a deadlock.
TEST_F(QueuedRwlockTest, HardirqReadThenLockVsLockThenRead) {  // _RE_Er
  HardirqEnter();
  read_lock(&a);
  spin_lock(&b);
  spin_unlock(&b);
  read_unlock(&a);
  HardirqExit();

  local_irq_disable();
  spin_lock(&b);
  read_lock(&a);
  read_unlock(&a);
  spin_unlock(&b);
  local_irq_enable();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

// <in hardirq> spin_lock(B); read_lock(A)  vs  <irqs off> read_lock(A);
// spin_lock(B): the irq-context reader never queues, so it gets A: no deadlock.
TEST_F(QueuedRwlockTest, HardirqLockThenReadVsReadThenLock) {  // _ER_rE
  HardirqEnter();
  spin_lock(&b);
  read_lock(&a);
  read_unlock(&a);
  spin_unlock(&b);
  HardirqExit();

  local_irq_disable();
  read_lock(&a);
  spin_lock(&b);
  spin_unlock(&b);
  read_unlock(&a);
  local_irq_enable();
  EXPECT_THAT(Kinds(), IsEmpty());
}

// <irqs off> spin_lock(B); read_lock(A), while in a hardirq B is taken; then
// read_lock(A) with irqs on: both read_lock()s are non-recursive readers, so
// the hardirq-safe B comes to depend on the hardirq-unsafe A.
TEST_F(QueuedRwlockTest, HardirqInversion) {
  HardirqEnter();
  spin_lock(&b);
  spin_unlock(&b);
  HardirqExit();

  local_irq_disable();
  spin_lock(&b);
  read_lock(&a);
  read_unlock(&a);
  spin_unlock(&b);
  local_irq_enable();

  read_lock(&a);
  read_unlock(&a);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kIrqInversion));
}

// Process context: read_lock(A); spin_lock(B) against spin_lock(B);
// read_lock(A) is an ABBA (a writer waiting on A makes the second reader
// wait), reported. With recursive readers it was not.
TEST_F(QueuedRwlockTest, ProcessContextReadLockAbba) {
  read_lock(&a);
  spin_lock(&b);
  spin_unlock(&b);
  read_unlock(&a);
  spin_lock(&b);
  read_lock(&a);
  read_unlock(&a);
  spin_unlock(&b);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

// Re-taking a read lock of the class in process context is recursive locking.
TEST_F(QueuedRwlockTest, ProcessContextReadReadIsRecursiveLocking) {
  rwlock_t same[2];  // one init site: one class
  for (rwlock_t& l : same) rwlock_init(&l);
  read_lock(&same[0]);
  read_lock(&same[1]);
  read_unlock(&same[1]);
  read_unlock(&same[0]);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
}

// In a softirq (and under read_lock_bh, bottom halves off) readers are
// recursive: read-read of one class is fine there.
TEST_F(QueuedRwlockTest, InterruptContextReadReadIsFine) {
  rwlock_t same[2];
  for (rwlock_t& l : same) rwlock_init(&l);
  lockdep_softirq_enter(LOCKDEP_THIS_IP);
  read_lock(&same[0]);
  read_lock(&same[1]);
  read_unlock(&same[1]);
  read_unlock(&same[0]);
  lockdep_softirq_exit(LOCKDEP_THIS_IP);
  read_lock_bh(&same[0]);
  read_lock(&same[1]);
  read_unlock(&same[1]);
  read_unlock_bh(&same[0]);
  EXPECT_TRUE(read_lock_is_recursive() == false);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The raw lock is fair in process context: once a writer waits, a new reader
// waits too (read_trylock fails), and the writer gets the lock as soon as the
// readers inside leave. In interrupt context a reader still gets in.
TEST_F(QueuedRwlockTest, WaitingWriterHoldsBackProcessContextReaders) {
  read_lock(&a);
  std::atomic<bool> writer_in{false};
  std::thread writer([&] {
    write_lock(&a);
    writer_in = true;
    write_unlock(&a);
  });
  // Wait until the writer is queued: a process-context read_trylock fails.
  bool queued = false;
  for (int i = 0; i < 20000 && !queued; ++i) {
    if (read_trylock(&a)) {
      read_unlock(&a);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    } else {
      queued = true;
    }
  }
  ASSERT_TRUE(queued) << "a waiting writer must hold back new readers";
  EXPECT_FALSE(writer_in.load());
  // An interrupt-context reader does not queue.
  HardirqEnter();
  ASSERT_TRUE(read_trylock(&a));
  read_unlock(&a);
  HardirqExit();
  read_unlock(&a);
  writer.join();
  EXPECT_TRUE(writer_in.load());
  EXPECT_THAT(Kinds(), IsEmpty());
}

// A stream of overlapping readers no longer starves a writer.
TEST_F(QueuedRwlockTest, ReadersDoNotStarveAWriter) {
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0};
  auto reader = [&] {
    while (!stop.load()) {
      read_lock(&a);
      reads++;
      read_unlock(&a);
    }
  };
  std::thread r1(reader), r2(reader);
  while (reads.load() < 100) std::this_thread::yield();
  for (int i = 0; i < 50; ++i) {  // each must get through while readers run
    write_lock(&a);
    write_unlock(&a);
  }
  stop = true;
  r1.join();
  r2.join();
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
