// Linux's drivers/dma-buf/st-dma-resv.c as GoogleTest cases, for every
// usage: a fence added with a usage is seen (and waited for) by every walk
// up to that usage, by the locked and the unlocked iterator, through a
// restart of the unlocked walk, and by dma_resv_get_fences().
#include <string>

#include "core/dma-resv.h"
#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::testing::IsEmpty;

const char* selftest_name(struct dma_fence*) { return "selftest"; }

const struct dma_fence_ops selftest_fence_ops = {
    .get_driver_name = selftest_name,
    .get_timeline_name = selftest_name,
};

// Every selftest fence borrows this lock, as Linux's selftest does.
DEFINE_SPINLOCK(selftest_fence_lock);

struct dma_fence* alloc_fence() {
  auto* f = static_cast<struct dma_fence*>(
      kmalloc(sizeof(struct dma_fence), GFP_KERNEL));
  if (f) dma_fence_init(f, &selftest_fence_ops, &selftest_fence_lock, 0, 0);
  return f;
}

class StDmaResv : public LockdepTest,
                  public ::testing::WithParamInterface<enum dma_resv_usage> {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    dma_resv_init(&resv_);
    f_ = alloc_fence();
    ASSERT_NE(f_, nullptr);
  }
  void TearDown() override {
    dma_resv_fini(&resv_);
    dma_fence_put(f_);
    EXPECT_THAT(Kinds(), IsEmpty());
    LockdepTest::TearDown();
  }

  // Locks resv_, adds f_ with the usage under test; unlocks unless `keep`.
  void AddFence(bool keep_locked) {
    ASSERT_EQ(dma_resv_lock(&resv_, nullptr), 0);
    ASSERT_EQ(dma_resv_reserve_fences(&resv_, 1), 0);
    dma_resv_add_fence(&resv_, f_, GetParam());
    if (!keep_locked) dma_resv_unlock(&resv_);
  }

  struct dma_resv resv_;
  struct dma_fence* f_ = nullptr;
};

TEST(StDmaResvSanity, LockAndUnlock) {
  struct dma_fence* f = alloc_fence();
  ASSERT_NE(f, nullptr);
  dma_fence_signal(f);
  dma_fence_put(f);
  struct dma_resv resv;
  dma_resv_init(&resv);
  ASSERT_EQ(dma_resv_lock(&resv, nullptr), 0);
  dma_resv_unlock(&resv);
  dma_resv_fini(&resv);
}

TEST_P(StDmaResv, Signaling) {
  AddFence(/*keep_locked=*/true);
  EXPECT_FALSE(dma_resv_test_signaled(&resv_, GetParam()))
      << "resv unexpectedly signaled";
  dma_fence_signal(f_);
  EXPECT_TRUE(dma_resv_test_signaled(&resv_, GetParam()))
      << "resv not reporting signaled";
  dma_resv_unlock(&resv_);
}

TEST_P(StDmaResv, ForEach) {
  AddFence(/*keep_locked=*/true);
  int found = 0;
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_for_each_fence(&cursor, &resv_, GetParam(), fence) {
    ++found;
    EXPECT_EQ(fence, f_) << "unexpected fence";
    EXPECT_EQ(dma_resv_iter_usage(&cursor), GetParam())
        << "unexpected fence usage";
  }
  EXPECT_EQ(found, 1);
  dma_fence_signal(f_);
  dma_resv_unlock(&resv_);
}

TEST_P(StDmaResv, ForEachUnlocked) {
  AddFence(/*keep_locked=*/false);
  // Seen twice: once, then again after a forced restart, flagged as such.
  int seen = 0;
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_iter_begin(&cursor, &resv_, GetParam());
  dma_resv_for_each_fence_unlocked(&cursor, fence) {
    ASSERT_LT(seen, 2) << "more than one fence found";
    EXPECT_TRUE(dma_resv_iter_is_restarted(&cursor)) << "no restart flag";
    EXPECT_EQ(fence, f_) << "unexpected fence";
    EXPECT_EQ(dma_resv_iter_usage(&cursor), GetParam())
        << "unexpected fence usage";
    // The walk must start over when its table is not the object's.
    if (seen++ == 0) {
      cursor.fences = reinterpret_cast<struct dma_resv_list*>(~0ul);
    }
  }
  dma_resv_iter_end(&cursor);
  EXPECT_EQ(seen, 2) << "no restart";
  dma_fence_signal(f_);
}

TEST_P(StDmaResv, GetFences) {
  AddFence(/*keep_locked=*/false);
  unsigned int n = 0;
  struct dma_fence** fences = nullptr;
  ASSERT_EQ(dma_resv_get_fences(&resv_, GetParam(), &n, &fences), 0);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(fences[0], f_);
  dma_fence_signal(f_);
  while (n--) dma_fence_put(fences[n]);
  kfree(fences);
}

std::string UsageName(
    const ::testing::TestParamInfo<enum dma_resv_usage>& info) {
  static const char* const names[] = {"Kernel", "Write", "Read", "Bookkeep"};
  return names[info.param];
}

INSTANTIATE_TEST_SUITE_P(EveryUsage, StDmaResv,
                         ::testing::Values(DMA_RESV_USAGE_KERNEL,
                                           DMA_RESV_USAGE_WRITE,
                                           DMA_RESV_USAGE_READ,
                                           DMA_RESV_USAGE_BOOKKEEP),
                         UsageName);

}  // namespace
