// dma-fence (core/dma-fence.h): references, signalling, callbacks that run
// exactly once, status and errors, waits and their timeouts, waiters woken
// from another thread; the lock a fence uses (borrowed, its own, NULL); and
// the lockdep checks: the signalling annotations (a fence wait under a lock
// the signalling path takes is a circular dependency, even when the fence was
// already signalled) and a borrowed lock freed before the fence.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/dma-fence.h"
#include "instrument/kernel.h"
#include "tests/dma_test_util.h"
#include "tests/test_support.h"

namespace {

using ::dma_test::fences_released;
using ::dma_test::kTestFenceOps;
using ::dma_test::NewFence;
using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::lockdep_test::OnlyReport;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class DmaFence : public LockdepTest {};

struct counting_cb {
  struct dma_fence_cb base;
  int calls = 0;
  int status_seen = 0;
};

void count_cb(struct dma_fence* fence, struct dma_fence_cb* cb) {
  auto* c = container_of(cb, counting_cb, base);
  c->calls++;
  c->status_seen = fence->error;
  // Callbacks run with the fence lock held, as the header promises.
  dma_fence_assert_held(fence);
}

// ===========================================================================
// Creation, references, locks.

TEST_F(DmaFence, ContextsAreConsecutiveAndNeverZero) {
  const u64 a = dma_fence_context_alloc(3);
  const u64 b = dma_fence_context_alloc(1);
  EXPECT_NE(a, 0u);
  EXPECT_EQ(b, a + 3);
}

TEST_F(DmaFence, TheLastPutReleasesTheFence) {
  struct dma_fence* fence = NewFence();
  EXPECT_EQ(kref_read(&fence->refcount), 1u);
  const int released = fences_released.load();
  EXPECT_EQ(dma_fence_get(fence), fence);
  dma_fence_put(fence);
  EXPECT_EQ(fences_released.load(), released);
  dma_fence_put(fence);
  EXPECT_EQ(fences_released.load(), released + 1);
  dma_fence_put(nullptr);
  EXPECT_EQ(dma_fence_get(nullptr), nullptr);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaFence, WithoutReleaseOpTheFenceIsKfreed) {
  static const struct dma_fence_ops ops = {
      .get_driver_name = dma_test::TestDriverName,
      .get_timeline_name = dma_test::TestTimelineName,
  };
  auto* fence = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  dma_fence_init(fence, &ops, nullptr, dma_fence_context_alloc(1), 1);
  dma_fence_put(fence);
  // kfree() marked the fence's lock destroyed: the proof it went through it.
  EXPECT_EQ(fence->__lock_inplace.dep_map.state.load(), kLockdepMapDestroyed);
}

TEST_F(DmaFence, EachWayOfInitialisingChoosesTheLock) {
  static DEFINE_SPINLOCK(lent);
  struct dma_fence borrowed, own, inplace;
  dma_fence_init(&borrowed, &kTestFenceOps, &lent, 1, 1);
  dma_fence_init(&own, &kTestFenceOps, nullptr, 1, 2);
  dma_fence_inplace_lock_init(&inplace, &kTestFenceOps, 1, 3);
  EXPECT_EQ(dma_fence_spinlock(&borrowed), &lent);
  EXPECT_EQ(dma_fence_spinlock(&own), &own.__lock_inplace);
  EXPECT_EQ(dma_fence_spinlock(&inplace), &inplace.__lock_inplace);
  // The one way to the lock works for each.
  for (struct dma_fence* f : {&borrowed, &own, &inplace}) {
    unsigned long flags;
    dma_fence_lock_irqsave(f, flags);
    dma_fence_assert_held(f);
    EXPECT_TRUE(irqs_disabled());
    dma_fence_unlock_irqrestore(f, flags);
  }
  EXPECT_FALSE(irqs_disabled());
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaFence, AssertHeldReportsWithoutTheFenceLock) {
  struct dma_fence* fence = NewFence();
  dma_fence_assert_held(fence);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
  dma_fence_put(fence);
}

TEST_F(DmaFence, IsLaterFollowsSeqnoOnOneTimeline) {
  const u64 ctx = dma_fence_context_alloc(1);
  struct dma_fence* a = NewFence(ctx, 1);
  struct dma_fence* b = NewFence(ctx, 2);
  EXPECT_TRUE(dma_fence_is_later(b, a));
  EXPECT_FALSE(dma_fence_is_later(a, b));
  // 32-bit seqnos wrap around.
  a->seqno = 0xffffffffu;
  EXPECT_TRUE(dma_fence_is_later(b, a));
  dma_fence_put(a);
  dma_fence_put(b);
}

// ===========================================================================
// Signalling and callbacks.

TEST_F(DmaFence, SignalRunsEachCallbackExactlyOnce) {
  struct dma_fence* fence = NewFence();
  counting_cb a, b;
  EXPECT_EQ(dma_fence_add_callback(fence, &a.base, count_cb), 0);
  EXPECT_EQ(dma_fence_add_callback(fence, &b.base, count_cb), 0);
  EXPECT_FALSE(dma_fence_is_signaled(fence));
  EXPECT_EQ(dma_fence_signal(fence), 0);
  EXPECT_TRUE(dma_fence_is_signaled(fence));
  EXPECT_EQ(dma_fence_signal(fence), -EINVAL);  // once only
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(b.calls, 1);
  EXPECT_TRUE(fence->flags.load() & (1ul << DMA_FENCE_FLAG_TIMESTAMP_BIT));
  EXPECT_GT(fence->timestamp, 0);
  dma_fence_put(fence);
  EXPECT_EQ(dma_fence_signal(nullptr), -EINVAL);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaFence, ACallbackAddedAfterSignallingIsRefusedAndNeverRuns) {
  struct dma_fence* fence = NewFence();
  dma_fence_signal(fence);
  counting_cb cb;
  EXPECT_EQ(dma_fence_add_callback(fence, &cb.base, count_cb), -ENOENT);
  EXPECT_EQ(cb.calls, 0);
  EXPECT_FALSE(dma_fence_remove_callback(fence, &cb.base));
  EXPECT_EQ(dma_fence_add_callback(fence, &cb.base, nullptr), -EINVAL);
  dma_fence_put(fence);
}

TEST_F(DmaFence, ARemovedCallbackDoesNotRun) {
  struct dma_fence* fence = NewFence();
  counting_cb cb;
  ASSERT_EQ(dma_fence_add_callback(fence, &cb.base, count_cb), 0);
  EXPECT_TRUE(dma_fence_remove_callback(fence, &cb.base));
  EXPECT_FALSE(dma_fence_remove_callback(fence, &cb.base));
  dma_fence_signal(fence);
  EXPECT_EQ(cb.calls, 0);
  dma_fence_put(fence);
}

TEST_F(DmaFence, RemovingAZeroedNeverAddedCallbackReturnsFalse) {
  struct dma_fence* fence = NewFence();
  struct dma_fence_cb cb = {};
  EXPECT_FALSE(dma_fence_remove_callback(fence, &cb));
  dma_fence_signal(fence);
  EXPECT_FALSE(dma_fence_remove_callback(fence, &cb));
  dma_fence_put(fence);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaFence, SignalLockedNeedsTheLock) {
  struct dma_fence* fence = NewFence();
  unsigned long flags;
  dma_fence_lock_irqsave(fence, flags);
  EXPECT_EQ(dma_fence_signal_locked(fence), 0);
  dma_fence_unlock_irqrestore(fence, flags);
  EXPECT_THAT(Kinds(), IsEmpty());
  struct dma_fence* other = NewFence();
  dma_fence_signal_locked(other);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
  dma_fence_put(fence);
  dma_fence_put(other);
}

struct enable_counter {
  int enable_calls = 0;
  bool enable_result = true;
  bool hw_done = false;
};
enable_counter counter;

bool count_enable(struct dma_fence* fence) {
  dma_fence_assert_held(fence);
  counter.enable_calls++;
  return counter.enable_result;
}
bool hw_signaled(struct dma_fence*) { return counter.hw_done; }

const struct dma_fence_ops kPollingOps = {
    .get_driver_name = dma_test::TestDriverName,
    .get_timeline_name = dma_test::TestTimelineName,
    .enable_signaling = count_enable,
    .signaled = hw_signaled,
};

TEST_F(DmaFence, EnableSignalingRunsOnceAndFalseSignals) {
  counter = {};
  struct dma_fence* fence = NewFence();
  fence->ops = &kPollingOps;
  counting_cb a, b;
  dma_fence_add_callback(fence, &a.base, count_cb);
  dma_fence_add_callback(fence, &b.base, count_cb);
  dma_fence_enable_sw_signaling(fence);
  EXPECT_EQ(counter.enable_calls, 1);
  dma_fence_signal(fence);
  dma_fence_put(fence);

  counter = {.enable_result = false};
  fence = NewFence();
  fence->ops = &kPollingOps;
  EXPECT_EQ(dma_fence_add_callback(fence, &a.base, count_cb), -ENOENT);
  EXPECT_TRUE(dma_fence_is_signaled(fence));
  dma_fence_put(fence);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaFence, TheSignaledOpIsPolledAndSignalsTheFence) {
  counter = {};
  struct dma_fence* fence = NewFence();
  fence->ops = &kPollingOps;
  counting_cb cb;
  dma_fence_add_callback(fence, &cb.base, count_cb);
  EXPECT_FALSE(dma_fence_is_signaled(fence));
  EXPECT_EQ(dma_fence_get_status(fence), 0);
  counter.hw_done = true;
  EXPECT_EQ(dma_fence_get_status(fence), 1);
  EXPECT_EQ(cb.calls, 1);
  fence->ops = &kTestFenceOps;
  dma_fence_put(fence);
}

TEST_F(DmaFence, StatusIsPendingSignaledOrTheError) {
  struct dma_fence* ok = NewFence();
  struct dma_fence* failed = NewFence();
  counting_cb cb;
  dma_fence_add_callback(failed, &cb.base, count_cb);
  EXPECT_EQ(dma_fence_get_status(ok), 0);
  dma_fence_signal(ok);
  EXPECT_EQ(dma_fence_get_status(ok), 1);
  dma_fence_set_error(failed, -EIO);
  EXPECT_EQ(dma_fence_get_status(failed), 0);  // an error alone is not done
  dma_fence_signal(failed);
  EXPECT_EQ(dma_fence_get_status(failed), -EIO);
  EXPECT_EQ(cb.status_seen, -EIO);
  dma_fence_put(ok);
  dma_fence_put(failed);
}

TEST_F(DmaFence, ReleasingAFenceWithPendingCallbacksSignalsItWithDeadlk) {
  struct dma_fence* fence = NewFence();
  counting_cb cb;
  dma_fence_add_callback(fence, &cb.base, count_cb);
  dma_fence_put(fence);
  EXPECT_EQ(cb.calls, 1);
  EXPECT_EQ(cb.status_seen, -EDEADLK);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kWarnOn));  // Linux WARNs too
}

// ===========================================================================
// Waiting.

TEST_F(DmaFence, WaitTimeoutReturnsTimeLeftOrZero) {
  struct dma_fence* fence = NewFence();
  EXPECT_EQ(dma_fence_wait_timeout(fence, false, 0), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(dma_fence_wait_timeout(fence, true, 20), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(19));
  EXPECT_THAT(Kinds(), IsEmpty());
  // A negative timeout is the caller's bug: Linux's WARN_ON, a report here.
  EXPECT_EQ(dma_fence_wait_timeout(fence, false, -1), -EINVAL);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kWarnOn));
  dma_fence_signal(fence);
  EXPECT_EQ(dma_fence_wait_timeout(fence, false, 0), 1);
  EXPECT_EQ(dma_fence_wait_timeout(fence, false, 5000), 5000);
  EXPECT_EQ(dma_fence_wait(fence, true), 0);
  dma_fence_put(fence);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kWarnOn));
}

TEST_F(DmaFence, OneSignalWakesEveryWaiter) {
  struct dma_fence* fence = NewFence();
  constexpr int kWaiters = 4;
  std::atomic<int> woken{0};
  std::atomic<int> left_sum{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      if (i % 2) {
        EXPECT_EQ(dma_fence_wait(fence, false), 0);
      } else {
        const long left = dma_fence_wait_timeout(fence, false, 60000);
        EXPECT_GT(left, 0);
        left_sum += left > 0;
      }
      EXPECT_TRUE(dma_fence_is_signaled(fence));
      woken++;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(woken.load(), 0);
  std::thread signaller([&] { EXPECT_EQ(dma_fence_signal(fence), 0); });
  signaller.join();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(woken.load(), kWaiters);
  EXPECT_EQ(left_sum.load(), kWaiters / 2);
  dma_fence_put(fence);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaFence, WaitingUnderASpinlockIsReported) {
  static DEFINE_SPINLOCK(atomic_section);
  struct dma_fence* fence = NewFence();
  dma_fence_signal(fence);
  spin_lock(&atomic_section);
  dma_fence_wait(fence, false);  // signalled, but waits may sleep
  spin_unlock(&atomic_section);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kSleepInAtomic));
  dma_fence_put(fence);
}

// ===========================================================================
// Signalling annotations.

DEFINE_MUTEX(job_lock);

// The signalling path: completes a job, which needs job_lock.
void complete_job(struct dma_fence* fence) {
  const bool cookie = dma_fence_begin_signalling();
  mutex_lock(&job_lock);
  mutex_unlock(&job_lock);
  dma_fence_signal(fence);
  dma_fence_end_signalling(cookie);
}

TEST_F(DmaFence, WaitingUnderALockTheSignallingPathTakesIsACycle) {
  struct dma_fence* fence = NewFence();
  complete_job(fence);  // signalled: the wait below returns at once
  EXPECT_THAT(Kinds(), IsEmpty());
  mutex_lock(&job_lock);
  dma_fence_wait(fence, false);
  mutex_unlock(&job_lock);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_THAT(OnlyReport().classes, Contains("dma_fence_map"));
  EXPECT_THAT(OnlyReport().classes, Contains("job_lock"));
  dma_fence_put(fence);
}

TEST_F(DmaFence, TheOtherOrderIsFoundToo) {
  struct dma_fence* fence = NewFence();
  dma_fence_signal(fence);
  mutex_lock(&job_lock);
  dma_fence_wait(fence, false);
  mutex_unlock(&job_lock);
  EXPECT_THAT(Kinds(), IsEmpty());
  struct dma_fence* next = NewFence();
  complete_job(next);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  dma_fence_put(fence);
  dma_fence_put(next);
}

TEST_F(DmaFence, WaitingWithoutTheLockIsFine) {
  struct dma_fence* fence = NewFence();
  complete_job(fence);
  dma_fence_wait(fence, false);
  mutex_lock(&job_lock);  // the lock alone, no wait under it
  mutex_unlock(&job_lock);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_fence_put(fence);
}

TEST_F(DmaFence, SignallingSectionsNestAndMayWait) {
  // Allocated outside the section: a GFP_KERNEL allocation inside one is a
  // cycle through fs_reclaim (dma_resv_lockdep_test).
  struct dma_fence* fence = NewFence();
  const bool outer = dma_fence_begin_signalling();
  EXPECT_FALSE(outer);
  const bool inner = dma_fence_begin_signalling();
  EXPECT_TRUE(inner);  // already in a section
  dma_fence_signal(fence);
  dma_fence_wait(fence, false);  // a section may wait on fences
  dma_fence_end_signalling(inner);
  dma_fence_end_signalling(outer);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_fence_put(fence);
}

TEST_F(DmaFence, InInterruptContextTheSectionIsNotAnnotated) {
  local_irq_disable();
  EXPECT_TRUE(dma_fence_begin_signalling());
  local_irq_enable();
  const bool cookie = dma_fence_begin_signalling();
  EXPECT_FALSE(cookie);
  dma_fence_end_signalling(cookie);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// One fence signalled from another's callback (a hardware fence signalling
// the scheduler fence waiting on it): two locks of one class nest.

struct chained_cb {
  struct dma_fence_cb base;
  struct dma_fence* next;
};

void signal_next_cb(struct dma_fence*, struct dma_fence_cb* cb) {
  dma_fence_signal(container_of(cb, chained_cb, base)->next);
}

TEST_F(DmaFence, AnInPlaceFenceSignalledFromAnothersCallbackNests) {
  struct dma_fence* hw = NewFence();
  struct dma_fence* sched = NewFence();
  struct dma_fence* job = NewFence();
  chained_cb hw_cb = {.base = {}, .next = sched};
  chained_cb sched_cb = {.base = {}, .next = job};
  ASSERT_EQ(dma_fence_add_callback(hw, &hw_cb.base, signal_next_cb), 0);
  ASSERT_EQ(dma_fence_add_callback(sched, &sched_cb.base, signal_next_cb), 0);
  dma_fence_signal(hw);
  EXPECT_TRUE(dma_fence_is_signaled(sched));
  EXPECT_TRUE(dma_fence_is_signaled(job));
  EXPECT_THAT(Kinds(), IsEmpty());
  for (auto* f : {hw, sched, job}) dma_fence_put(f);
}

DEFINE_SPINLOCK(ring_lock);

TEST_F(DmaFence, NestingInCallbacksKeepsTheOrderAgainstOtherClasses) {
  // An in-place fence's callback signals a fence borrowing ring_lock...
  struct dma_fence* sched = NewFence();
  auto* ring_fence = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  dma_fence_init(ring_fence, &kTestFenceOps, &ring_lock,
                 dma_fence_context_alloc(1), 1);
  chained_cb cb = {.base = {}, .next = ring_fence};
  ASSERT_EQ(dma_fence_add_callback(sched, &cb.base, signal_next_cb), 0);
  dma_fence_signal(sched);
  EXPECT_THAT(Kinds(), IsEmpty());
  // ...and the ring signals an in-place fence under ring_lock: ABBA.
  struct dma_fence* other = NewFence();
  unsigned long flags;
  spin_lock_irqsave(&ring_lock, flags);
  dma_fence_signal(other);
  spin_unlock_irqrestore(&ring_lock, flags);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  for (auto* f : {sched, ring_fence, other}) dma_fence_put(f);
}

// ===========================================================================
// The lock a fence borrows, freed before the fence (the in-place lock RFC).

struct operation {
  spinlock_t lock;
  struct dma_fence* out_fence;
};

__attribute__((noinline)) void finish_operation(operation* op) {
  dma_fence_signal(op->out_fence);
  dma_fence_put(op->out_fence);
  kfree(op);
  asm volatile("");
}

TEST_F(DmaFence, ABorrowedLockFreedBeforeTheFenceIsReportedWithTheKfree) {
  auto* op = static_cast<operation*>(kzalloc(sizeof(operation), GFP_KERNEL));
  spin_lock_init(&op->lock);
  op->out_fence = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  dma_fence_init(op->out_fence, &kTestFenceOps, &op->lock,
                 dma_fence_context_alloc(1), 1);
  struct dma_fence* imported = dma_fence_get(op->out_fence);
  finish_operation(op);
  EXPECT_THAT(Kinds(), IsEmpty());

  EXPECT_EQ(dma_fence_get_status(imported), 1);  // takes the freed lock
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kUninitializedLock));
  EXPECT_THAT(OnlyReport().text, HasSubstr("finish_operation"));
  EXPECT_THAT(OnlyReport().classes, ElementsAre("&op->lock"));
  dma_fence_put(imported);
}

TEST_F(DmaFence, AnInPlaceLockOutlivesTheOperation) {
  auto* op = static_cast<operation*>(kzalloc(sizeof(operation), GFP_KERNEL));
  spin_lock_init(&op->lock);
  op->out_fence = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  dma_fence_inplace_lock_init(op->out_fence, &kTestFenceOps,
                              dma_fence_context_alloc(1), 1);
  struct dma_fence* imported = dma_fence_get(op->out_fence);
  finish_operation(op);
  EXPECT_EQ(dma_fence_get_status(imported), 1);
  dma_fence_put(imported);
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
