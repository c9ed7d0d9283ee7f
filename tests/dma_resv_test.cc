// dma-resv (core/dma-resv.h): the reservation lock (a wait-die ww_mutex of
// reservation_ww_class), the fences by usage (reserve, add, replace; walks
// with and without the lock; get, copy, describe), the lock-held checks on
// every function that needs the lock, the waits (timeouts, woken from
// another thread), and many objects reserved at once with the -EDEADLK
// back-off loop from several threads.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <chrono>
#include <thread>
#include <vector>

#include "core/dma-fence-array.h"
#include "core/dma-resv.h"
#include "core/irq_work.h"
#include "instrument/kernel.h"
#include "tests/dma_test_util.h"
#include "tests/test_support.h"

namespace {

using ::dma_test::fences_released;
using ::dma_test::NewFence;
using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class DmaResv : public LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    dma_resv_init(&obj_);
  }
  void TearDown() override {
    dma_resv_fini(&obj_);
    LockdepTest::TearDown();
  }

  // The fences of obj_ up to `usage`, as the locked iterator gives them.
  std::vector<struct dma_fence*> Fences(enum dma_resv_usage usage) {
    std::vector<struct dma_fence*> out;
    struct dma_resv_iter cursor;
    struct dma_fence* fence;
    dma_resv_for_each_fence(&cursor, &obj_, usage, fence) out.push_back(fence);
    return out;
  }

  struct dma_resv obj_;
};

TEST_F(DmaResv, TheLockIsAWaitDieReservationLock) {
  EXPECT_EQ(reservation_ww_class.is_wait_die, 1u);
  EXPECT_EQ(dma_resv_lock(&obj_, nullptr), 0);
  EXPECT_TRUE(dma_resv_is_locked(&obj_));
  dma_resv_assert_held(&obj_);
  EXPECT_TRUE(dma_resv_held(&obj_));
  EXPECT_EQ(dma_resv_locking_ctx(&obj_), nullptr);
  dma_resv_unlock(&obj_);
  EXPECT_FALSE(dma_resv_is_locked(&obj_));

  EXPECT_TRUE(dma_resv_trylock(&obj_));
  EXPECT_FALSE(dma_resv_trylock(&obj_));
  dma_resv_unlock(&obj_);

  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &reservation_ww_class);
  EXPECT_EQ(dma_resv_lock_interruptible(&obj_, &ctx), 0);
  EXPECT_EQ(dma_resv_lock(&obj_, &ctx), -EALREADY);
  EXPECT_EQ(dma_resv_locking_ctx(&obj_), &ctx);
  dma_resv_unlock(&obj_);
  ww_acquire_fini(&ctx);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaResv, AssertHeldReportsWithoutTheLock) {
  dma_resv_assert_held(&obj_);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
}

TEST_F(DmaResv, ChangingFencesWithoutTheLockIsReported) {
  struct dma_fence* fence = NewFence();
  dma_resv_reserve_fences(&obj_, 1);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
  dma_resv_lock(&obj_, nullptr);
  dma_resv_add_fence(&obj_, fence, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&obj_);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
  dma_fence_signal(fence);
  dma_fence_put(fence);
}

TEST_F(DmaResv, AddFenceWithoutAReservationIsABug) {
  struct dma_fence* fence = NewFence();
  dma_resv_lock(&obj_, nullptr);
  dma_resv_add_fence(&obj_, fence, DMA_RESV_USAGE_WRITE);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_BOOKKEEP), IsEmpty());
  dma_resv_unlock(&obj_);
  EXPECT_EQ(kref_read(&fence->refcount), 1u);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kKernelBug));
  EXPECT_THAT(lockdep_test::OnlyReport().title,
              ::testing::StartsWith("BUG: kernel BUG at core/dma-resv.cc:"));
  dma_fence_put(fence);
}

TEST_F(DmaResv, AReservationEndsAtUnlock) {
  struct dma_fence* first = NewFence();
  struct dma_fence* second = NewFence();
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 2), 0);
  dma_resv_add_fence(&obj_, first, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&obj_);
  EXPECT_THAT(Kinds(), IsEmpty());
  // The second slot was this section's; the next one must reserve again.
  dma_resv_lock(&obj_, nullptr);
  dma_resv_add_fence(&obj_, second, DMA_RESV_USAGE_WRITE);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kKernelBug));
  EXPECT_THAT(Fences(DMA_RESV_USAGE_BOOKKEEP), ElementsAre(first));
  // The near miss: reserving again (no reallocation needed) is enough.
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 1), 0);
  dma_resv_add_fence(&obj_, second, DMA_RESV_USAGE_WRITE);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_BOOKKEEP), ElementsAre(first, second));
  dma_resv_unlock(&obj_);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kKernelBug));
  dma_test::SignalAndPut({first, second});
}

TEST_F(DmaResv, FencesAreIteratedUpToAUsage) {
  struct dma_fence* kernel = NewFence();
  struct dma_fence* write = NewFence();
  struct dma_fence* read = NewFence();
  struct dma_fence* bookkeep = NewFence();
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 4), 0);
  dma_resv_add_fence(&obj_, kernel, DMA_RESV_USAGE_KERNEL);
  dma_resv_add_fence(&obj_, write, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, read, DMA_RESV_USAGE_READ);
  dma_resv_add_fence(&obj_, bookkeep, DMA_RESV_USAGE_BOOKKEEP);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_KERNEL), ElementsAre(kernel));
  EXPECT_THAT(Fences(DMA_RESV_USAGE_WRITE), ElementsAre(kernel, write));
  EXPECT_THAT(Fences(DMA_RESV_USAGE_READ), ElementsAre(kernel, write, read));
  EXPECT_THAT(Fences(DMA_RESV_USAGE_BOOKKEEP),
              ElementsAre(kernel, write, read, bookkeep));
  struct dma_resv_iter cursor;
  dma_resv_iter_begin(&cursor, &obj_, DMA_RESV_USAGE_BOOKKEEP);
  dma_resv_iter_first(&cursor);
  EXPECT_EQ(dma_resv_iter_usage(&cursor), DMA_RESV_USAGE_KERNEL);
  dma_resv_iter_next(&cursor);
  EXPECT_EQ(dma_resv_iter_usage(&cursor), DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&obj_);
  // The object holds its own reference to each.
  EXPECT_EQ(kref_read(&read->refcount), 2u);
  dma_test::SignalAndPut({kernel, write, read, bookkeep});
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaResv, IteratingWithoutTheLockIsReported) {
  Fences(DMA_RESV_USAGE_READ);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
}

TEST_F(DmaResv, ALaterFenceOfOneContextReplacesTheEarlier) {
  const u64 ctx = dma_fence_context_alloc(1);
  struct dma_fence* first = NewFence(ctx, 1);
  struct dma_fence* second = NewFence(ctx, 2);
  struct dma_fence* other = NewFence();
  dma_resv_lock(&obj_, nullptr);
  dma_resv_reserve_fences(&obj_, 1);
  dma_resv_add_fence(&obj_, first, DMA_RESV_USAGE_READ);
  dma_resv_reserve_fences(&obj_, 1);
  dma_resv_add_fence(&obj_, second, DMA_RESV_USAGE_READ);
  dma_resv_reserve_fences(&obj_, 1);
  dma_resv_add_fence(&obj_, other, DMA_RESV_USAGE_READ);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_READ), ElementsAre(second, other));
  dma_resv_unlock(&obj_);
  EXPECT_EQ(kref_read(&first->refcount), 1u);  // the object let go of it
  dma_test::SignalAndPut({first, second, other});
}

TEST_F(DmaResv, AReadFenceDoesNotReplaceItsTimelinesWriteFence) {
  const u64 ctx = dma_fence_context_alloc(1);
  struct dma_fence* write = NewFence(ctx, 1);
  struct dma_fence* read = NewFence(ctx, 2);
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 2), 0);
  dma_resv_add_fence(&obj_, write, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, read, DMA_RESV_USAGE_READ);
  // Readers wait for the writer still: it must not have been dropped.
  EXPECT_THAT(Fences(DMA_RESV_USAGE_WRITE), ElementsAre(write));
  EXPECT_THAT(Fences(DMA_RESV_USAGE_READ), ElementsAre(write, read));
  dma_resv_unlock(&obj_);
  EXPECT_FALSE(dma_resv_test_signaled(&obj_, DMA_RESV_USAGE_WRITE));
  // A later WRITE fence covers the earlier one (the first match is taken).
  struct dma_fence* write2 = NewFence(ctx, 3);
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 1), 0);
  dma_resv_add_fence(&obj_, write2, DMA_RESV_USAGE_WRITE);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_READ), ElementsAre(write2, read));
  dma_resv_unlock(&obj_);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_test::SignalAndPut({write, read, write2});
}

TEST_F(DmaResv, AnEarlierFenceDoesNotReplaceALaterOne) {
  const u64 ctx = dma_fence_context_alloc(1);
  struct dma_fence* later = NewFence(ctx, 2);
  struct dma_fence* earlier = NewFence(ctx, 1);
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 2), 0);
  dma_resv_add_fence(&obj_, later, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, earlier, DMA_RESV_USAGE_WRITE);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_WRITE), ElementsAre(later, earlier));
  // The same fence again is "later or same": it replaces itself.
  dma_resv_add_fence(&obj_, later, DMA_RESV_USAGE_WRITE);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_WRITE), ElementsAre(later, earlier));
  dma_resv_unlock(&obj_);
  EXPECT_EQ(kref_read(&later->refcount), 2u);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_test::SignalAndPut({later, earlier});
}

TEST_F(DmaResv, SignalledFencesAreDroppedAndFiniPutsTheRest) {
  struct dma_fence* done = NewFence();
  struct dma_fence* pending = NewFence();
  dma_resv_lock(&obj_, nullptr);
  dma_resv_reserve_fences(&obj_, 1);
  dma_resv_add_fence(&obj_, done, DMA_RESV_USAGE_WRITE);
  dma_fence_signal(done);
  dma_resv_reserve_fences(&obj_, 1);
  dma_resv_add_fence(&obj_, pending, DMA_RESV_USAGE_WRITE);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_WRITE), ElementsAre(pending));
  dma_resv_unlock(&obj_);
  const int released = fences_released.load();
  dma_fence_put(done);
  EXPECT_EQ(fences_released.load(), released + 1);
  dma_fence_put(pending);  // the object still holds it
  EXPECT_EQ(fences_released.load(), released + 1);
  dma_fence_signal(pending);
  dma_resv_fini(&obj_);
  EXPECT_EQ(fences_released.load(), released + 2);
  dma_resv_init(&obj_);  // for TearDown
}

TEST_F(DmaResv, TestSignaledLooksOnlyUpToTheUsage) {
  struct dma_fence* write = NewFence();
  struct dma_fence* read = NewFence();
  dma_resv_lock(&obj_, nullptr);
  dma_resv_reserve_fences(&obj_, 2);
  dma_resv_add_fence(&obj_, write, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, read, DMA_RESV_USAGE_READ);
  dma_resv_unlock(&obj_);
  EXPECT_TRUE(dma_resv_test_signaled(&obj_, DMA_RESV_USAGE_KERNEL));
  EXPECT_FALSE(dma_resv_test_signaled(&obj_, DMA_RESV_USAGE_WRITE));
  dma_fence_signal(write);
  EXPECT_TRUE(dma_resv_test_signaled(&obj_, DMA_RESV_USAGE_WRITE));
  EXPECT_FALSE(dma_resv_test_signaled(&obj_, DMA_RESV_USAGE_READ));
  dma_fence_signal(read);
  EXPECT_TRUE(dma_resv_test_signaled(&obj_, DMA_RESV_USAGE_BOOKKEEP));
  dma_fence_put(write);
  dma_fence_put(read);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The fences of obj up to `usage` as the unlocked walk gives them, and how
// often it restarted after its first fence.
std::vector<struct dma_fence*> UnlockedFences(struct dma_resv* obj,
                                              enum dma_resv_usage usage) {
  std::vector<struct dma_fence*> out;
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_iter_begin(&cursor, obj, usage);
  dma_resv_for_each_fence_unlocked(&cursor, fence) {
    if (dma_resv_iter_is_restarted(&cursor)) out.clear();
    out.push_back(fence);
  }
  dma_resv_iter_end(&cursor);
  return out;
}

TEST_F(DmaResv, TheUnlockedWalkSkipsSignalledFencesAndLaterUsages) {
  struct dma_fence* done = NewFence();
  struct dma_fence* write = NewFence();
  struct dma_fence* read = NewFence();
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 3), 0);
  dma_resv_add_fence(&obj_, done, DMA_RESV_USAGE_KERNEL);
  dma_resv_add_fence(&obj_, write, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, read, DMA_RESV_USAGE_READ);
  dma_resv_unlock(&obj_);
  dma_fence_signal(done);
  EXPECT_THAT(UnlockedFences(&obj_, DMA_RESV_USAGE_WRITE), ElementsAre(write));
  EXPECT_THAT(UnlockedFences(&obj_, DMA_RESV_USAGE_BOOKKEEP),
              ElementsAre(write, read));
  // The cursor's references are all dropped by dma_resv_iter_end().
  EXPECT_EQ(kref_read(&write->refcount), 2u);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_test::SignalAndPut({done, write, read});
}

TEST_F(DmaResv, TheUnlockedWalkRestartsWhenTheTableIsReplaced) {
  struct dma_fence* first = NewFence();
  struct dma_fence* second = NewFence();
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 2), 0);
  dma_resv_add_fence(&obj_, first, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, second, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&obj_);
  std::vector<struct dma_fence*> seen;
  int restarts = 0;
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_iter_begin(&cursor, &obj_, DMA_RESV_USAGE_WRITE);
  dma_resv_for_each_fence_unlocked(&cursor, fence) {
    if (dma_resv_iter_is_restarted(&cursor)) {
      ++restarts;
      seen.clear();
    }
    seen.push_back(fence);
    if (restarts == 1 && seen.size() == 1) {
      // A writer grows the table behind the walk's back.
      dma_resv_lock(&obj_, nullptr);
      ASSERT_EQ(dma_resv_reserve_fences(&obj_, 64), 0);
      dma_resv_unlock(&obj_);
    }
  }
  dma_resv_iter_end(&cursor);
  EXPECT_EQ(restarts, 2);
  EXPECT_THAT(seen, ElementsAre(first, second));
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_test::SignalAndPut({first, second});
}

TEST_F(DmaResv, GetFencesCopiesTheUnsignalledOnes) {
  struct dma_fence* done = NewFence();
  struct dma_fence* pending = NewFence();
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 2), 0);
  dma_resv_add_fence(&obj_, done, DMA_RESV_USAGE_READ);
  dma_resv_add_fence(&obj_, pending, DMA_RESV_USAGE_READ);
  dma_resv_unlock(&obj_);
  dma_fence_signal(done);
  unsigned int n = 0;
  struct dma_fence** fences = nullptr;
  ASSERT_EQ(dma_resv_get_fences(&obj_, DMA_RESV_USAGE_READ, &n, &fences), 0);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(fences[0], pending);
  dma_fence_put(fences[0]);
  kfree(fences);
  // Nothing pending up to WRITE: an empty result, no array.
  ASSERT_EQ(dma_resv_get_fences(&obj_, DMA_RESV_USAGE_WRITE, &n, &fences), 0);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(fences, nullptr);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_test::SignalAndPut({done, pending});
}

// Linux's dma_resv_get_singleton(): nothing, the one fence, or an array of
// the pending ones that signals when they all have.
TEST_F(DmaResv, GetSingletonGivesNoneOneOrAnArray) {
  struct dma_fence* write = NewFence();
  struct dma_fence* read = NewFence();
  struct dma_fence* done = NewFence();
  struct dma_fence* singleton = nullptr;
  ASSERT_EQ(dma_resv_get_singleton(&obj_, DMA_RESV_USAGE_READ, &singleton), 0);
  EXPECT_EQ(singleton, nullptr) << "no fences: no fence";
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 3), 0);
  dma_resv_add_fence(&obj_, write, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, read, DMA_RESV_USAGE_READ);
  dma_resv_add_fence(&obj_, done, DMA_RESV_USAGE_READ);
  dma_resv_unlock(&obj_);
  dma_fence_signal(done);

  ASSERT_EQ(dma_resv_get_singleton(&obj_, DMA_RESV_USAGE_WRITE, &singleton), 0);
  EXPECT_EQ(singleton, write) << "one pending fence is given as it is";
  EXPECT_EQ(kref_read(&write->refcount), 3u);  // ours, obj_'s, singleton's
  dma_fence_put(singleton);

  ASSERT_EQ(dma_resv_get_singleton(&obj_, DMA_RESV_USAGE_READ, &singleton), 0);
  struct dma_fence_array* array = to_dma_fence_array(singleton);
  ASSERT_NE(array, nullptr) << "two pending fences: an array of them";
  ASSERT_EQ(array->num_fences, 2u) << "the signalled one is left out";
  EXPECT_THAT(std::vector<struct dma_fence*>(array->fences,
                                             array->fences + 2),
              testing::UnorderedElementsAre(write, read));
  EXPECT_NE(singleton->context, write->context);
  dma_fence_signal(write);
  EXPECT_FALSE(dma_fence_is_signaled(singleton));
  dma_fence_signal(read);
  EXPECT_EQ(dma_fence_wait(singleton, false), 0);
  dma_fence_put(singleton);
  irq_work_run();
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_test::SignalAndPut({write, read, done});
}

TEST_F(DmaResv, CopyFencesReplacesTheDestinationsFences) {
  struct dma_resv dst;
  dma_resv_init(&dst);
  struct dma_fence* old = NewFence();
  struct dma_fence* write = NewFence();
  struct dma_fence* bookkeep = NewFence();
  dma_resv_lock(&dst, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&dst, 1), 0);
  dma_resv_add_fence(&dst, old, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&dst);
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 2), 0);
  dma_resv_add_fence(&obj_, write, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, bookkeep, DMA_RESV_USAGE_BOOKKEEP);
  dma_resv_unlock(&obj_);

  dma_resv_lock(&dst, nullptr);
  ASSERT_EQ(dma_resv_copy_fences(&dst, &obj_), 0);
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  std::vector<std::pair<struct dma_fence*, enum dma_resv_usage>> copied;
  dma_resv_for_each_fence(&cursor, &dst, DMA_RESV_USAGE_BOOKKEEP, fence) {
    copied.emplace_back(fence, dma_resv_iter_usage(&cursor));
  }
  dma_resv_unlock(&dst);
  EXPECT_THAT(copied, ElementsAre(std::pair(write, DMA_RESV_USAGE_WRITE),
                                  std::pair(bookkeep,
                                            DMA_RESV_USAGE_BOOKKEEP)));
  EXPECT_EQ(kref_read(&old->refcount), 1u);  // dst let go of it
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_resv_fini(&dst);
  dma_test::SignalAndPut({old, write, bookkeep});
}

TEST_F(DmaResv, ReplaceFencesSwapsEveryFenceOfAContext) {
  const u64 ctx = dma_fence_context_alloc(1);
  struct dma_fence* preempt = NewFence(ctx, 1);
  struct dma_fence* other = NewFence();
  struct dma_fence* done = NewFence();
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 2), 0);
  dma_resv_add_fence(&obj_, preempt, DMA_RESV_USAGE_BOOKKEEP);
  dma_resv_add_fence(&obj_, other, DMA_RESV_USAGE_READ);
  dma_resv_replace_fences(&obj_, ctx, done, DMA_RESV_USAGE_WRITE);
  EXPECT_THAT(Fences(DMA_RESV_USAGE_BOOKKEEP), ElementsAre(done, other));
  EXPECT_THAT(Fences(DMA_RESV_USAGE_WRITE), ElementsAre(done));
  dma_resv_unlock(&obj_);
  EXPECT_EQ(kref_read(&preempt->refcount), 1u);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_test::SignalAndPut({preempt, other, done});
}

TEST_F(DmaResv, DescribeListsTheFencesUpToRead) {
  struct dma_fence* write = NewFence(0, 7);
  struct dma_fence* bookkeep = NewFence();
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 2), 0);
  dma_resv_add_fence(&obj_, write, DMA_RESV_USAGE_WRITE);
  dma_resv_add_fence(&obj_, bookkeep, DMA_RESV_USAGE_BOOKKEEP);
  char* text = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&text, &size);
  dma_resv_describe(&obj_, f);
  std::fclose(f);
  dma_resv_unlock(&obj_);
  EXPECT_EQ(std::string(text, size),
            "\twrite fence:test timeline seq 7 unsignalled\n");
  std::free(text);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_test::SignalAndPut({write, bookkeep});
}

struct irq_reader {
  struct dma_fence_cb cb;
  struct dma_resv* obj;
  bool idle = false;
};

// A fence callback, run by the signaller: here in hard-irq context.
void test_signaled_cb(struct dma_fence*, struct dma_fence_cb* cb) {
  auto* reader = container_of(cb, struct irq_reader, cb);
  reader->idle = dma_resv_test_signaled(reader->obj, DMA_RESV_USAGE_WRITE);
}

TEST_F(DmaResv, ReadersWithoutTheLockAreSafeInHardIrqContext) {
  struct dma_fence* write = NewFence();
  struct dma_fence* irq_fence = NewFence();
  dma_resv_lock(&obj_, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&obj_, 1), 0);
  dma_resv_add_fence(&obj_, write, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&obj_);
  dma_fence_signal(write);
  // Process context, irqs on: what every driver does.
  EXPECT_TRUE(dma_resv_test_signaled(&obj_, DMA_RESV_USAGE_WRITE));
  irq_reader reader;
  reader.obj = &obj_;
  ASSERT_EQ(dma_fence_add_callback(irq_fence, &reader.cb, test_signaled_cb), 0);
  // The interrupt handler of the hardware signals a fence whose callback
  // reads the reservation object, as Linux's RCU readers may.
  std::thread irq([&] {
    irq_enter();
    dma_fence_signal(irq_fence);
    irq_exit();
  });
  irq.join();
  EXPECT_TRUE(reader.idle);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_fence_put(write);
  dma_fence_put(irq_fence);
}

TEST_F(DmaResv, WaitTimesOutThenReturnsOnceAnotherThreadSignals) {
  struct dma_fence* fence = NewFence();
  dma_resv_lock(&obj_, nullptr);
  dma_resv_reserve_fences(&obj_, 1);
  dma_resv_add_fence(&obj_, fence, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&obj_);
  EXPECT_EQ(dma_resv_wait_timeout(&obj_, DMA_RESV_USAGE_READ, false, 0), 0);
  EXPECT_EQ(dma_resv_wait_timeout(&obj_, DMA_RESV_USAGE_READ, false, 10), 0);
  // Waiting up to READ includes the WRITE fence; up to KERNEL it does not.
  EXPECT_EQ(dma_resv_wait_timeout(&obj_, DMA_RESV_USAGE_KERNEL, false, 10), 10);
  std::thread signaller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    dma_fence_signal(fence);
  });
  const long left = dma_resv_wait_timeout(&obj_, DMA_RESV_USAGE_READ, true,
                                          MAX_SCHEDULE_TIMEOUT);
  EXPECT_GT(left, 0);
  EXPECT_TRUE(dma_fence_is_signaled(fence));
  signaller.join();
  dma_fence_put(fence);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ---------------------------------------------------------------------------
// Many objects at once: every thread reserves all of them, in its own order,
// with the back-off loop, and adds a fence to each.

constexpr int kObjects = 6;

// Locks objs[order[0..n)] with ctx; returns 0 or -EDEADLK with everything
// unlocked and *contended set.
int lock_all(struct dma_resv** objs, const int* order, int n,
             struct ww_acquire_ctx* ctx, struct dma_resv* slow_locked,
             struct dma_resv** contended) {
  for (int i = 0; i < n; ++i) {
    struct dma_resv* obj = objs[order[i]];
    if (obj == slow_locked) continue;
    const int ret = dma_resv_lock(obj, ctx);
    if (ret == -EDEADLK) {
      for (int j = 0; j < i; ++j) {
        if (objs[order[j]] != slow_locked) dma_resv_unlock(objs[order[j]]);
      }
      if (slow_locked) dma_resv_unlock(slow_locked);
      *contended = obj;
      return ret;
    }
    EXPECT_EQ(ret, 0);
  }
  return 0;
}

void submit(struct dma_resv** objs, const int* order, u64 context, int seqno) {
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &reservation_ww_class);
  struct dma_resv* slow_locked = nullptr;
  struct dma_resv* contended = nullptr;
  while (lock_all(objs, order, kObjects, &ctx, slow_locked, &contended) ==
         -EDEADLK) {
    dma_resv_lock_slow(contended, &ctx);
    slow_locked = contended;
  }
  ww_acquire_done(&ctx);
  struct dma_fence* fence = NewFence(context, seqno);
  for (int i = 0; i < kObjects; ++i) {
    dma_resv_assert_held(objs[i]);
    ASSERT_EQ(dma_resv_reserve_fences(objs[i], 1), 0);
    dma_resv_add_fence(objs[i], fence, DMA_RESV_USAGE_WRITE);
  }
  for (int i = 0; i < kObjects; ++i) dma_resv_unlock(objs[i]);
  ww_acquire_fini(&ctx);
  dma_fence_signal(fence);
  dma_fence_put(fence);
}

TEST_F(DmaResv, ThreadsReservingManyObjectsInAnyOrderBackOffAndFinish) {
  struct dma_resv storage[kObjects];
  struct dma_resv* objs[kObjects];
  for (int i = 0; i < kObjects; ++i) {
    dma_resv_init(&storage[i]);
    objs[i] = &storage[i];
  }
  constexpr int kThreads = 3;
  constexpr int kRounds = 200;
  const int orders[kThreads][kObjects] = {
      {0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 4, 0, 5, 1, 3}};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const u64 context = dma_fence_context_alloc(1);
      for (int r = 1; r <= kRounds; ++r) submit(objs, orders[t], context, r);
    });
  }
  for (auto& th : threads) th.join();
  for (auto* obj : objs) {
    EXPECT_TRUE(dma_resv_test_signaled(obj, DMA_RESV_USAGE_BOOKKEEP));
    dma_resv_fini(obj);
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
