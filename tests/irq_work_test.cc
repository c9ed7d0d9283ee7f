// irq_work (core/irq_work.h): a work queued twice before it runs runs
// once, it runs in hard-irq context on the irq_work thread, it may queue
// itself again from its own func, and irq_work_sync()/irq_work_run() wait
// for it.
#include <atomic>
#include <thread>

#include "core/irq_work.h"
#include "core/types.h"
#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::testing::IsEmpty;

class IrqWork : public LockdepTest {};

struct counted_work {
  struct irq_work work;
  std::atomic<int> runs{0};
  std::atomic<int> in_irq_runs{0};
  std::atomic<int> requeue{0};
  std::thread::id thread;
};

void count_run(struct irq_work* work) {
  auto* c = container_of(work, struct counted_work, work);
  if (in_irq()) c->in_irq_runs.fetch_add(1);
  c->thread = std::this_thread::get_id();
  c->runs.fetch_add(1);
  if (c->requeue.fetch_sub(1) > 0) irq_work_queue(work);
}

std::atomic<bool> release_blocker{false};

// Holds the irq_work thread until the test lets it go.
void block(struct irq_work*) {
  while (!release_blocker.load()) std::this_thread::yield();
}

TEST_F(IrqWork, QueuedTwiceBeforeItRunsRunsOnceInHardIrq) {
  struct irq_work blocker;
  init_irq_work(&blocker, block);
  counted_work c;
  init_irq_work(&c.work, count_run);
  EXPECT_FALSE(irq_work_is_pending(&c.work));
  ASSERT_TRUE(irq_work_queue(&blocker));
  // The thread is busy with the blocker: the work waits, pending.
  EXPECT_TRUE(irq_work_queue(&c.work));
  EXPECT_TRUE(irq_work_is_pending(&c.work));
  EXPECT_FALSE(irq_work_queue(&c.work)) << "already pending";
  release_blocker.store(true);
  irq_work_sync(&c.work);
  irq_work_sync(&blocker);
  EXPECT_FALSE(irq_work_is_pending(&c.work));
  EXPECT_EQ(c.runs.load(), 1);
  EXPECT_EQ(c.in_irq_runs.load(), 1);
  EXPECT_NE(c.thread, std::this_thread::get_id());
  EXPECT_FALSE(in_irq()) << "the caller's context is untouched";
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(IrqWork, RunWaitsForWorksQueuedByWorks) {
  counted_work c;
  init_irq_work(&c.work, count_run);
  c.requeue.store(3);
  EXPECT_TRUE(irq_work_queue(&c.work));
  irq_work_run();
  EXPECT_EQ(c.runs.load(), 4);
  EXPECT_FALSE(irq_work_is_pending(&c.work));
}

}  // namespace
