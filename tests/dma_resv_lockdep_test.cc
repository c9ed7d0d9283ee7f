// Linux's boot-time priming of the lock graph (dma_resv_lockdep()): mmap_lock
// -> reservation lock -> fs_reclaim -> dma_fence_map is in every graph a
// program (or a test, after ResetForTesting()) starts from, so the two
// classic driver bugs are reported the first time they run: a GFP_KERNEL
// allocation and a dma_resv_lock() inside a fence-signalling section.
#include "core/dma-fence.h"
#include "core/dma-resv.h"
#include "instrument/kernel.h"
#include "tests/dma_test_util.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::lockdep_test::OnlyReport;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// First in the file, before any fixture resets the graph: the priming ran
// before main(), as Linux's initcall runs at boot.
TEST(DmaResvLockdepAtStart, TheGraphIsPrimedBeforeMain) {
  ASSERT_THAT(Kinds(), IsEmpty());
  const bool cookie = dma_fence_begin_signalling();
  kfree(kmalloc(16, GFP_KERNEL));
  dma_fence_end_signalling(cookie);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  lockdep::ResetForTesting();
}

class DmaResvLockdep : public LockdepTest {};

TEST_F(DmaResvLockdep, GfpKernelAllocationWhileSignallingIsACycle) {
  const bool cookie = dma_fence_begin_signalling();
  kfree(kmalloc(16, GFP_KERNEL));
  dma_fence_end_signalling(cookie);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_THAT(OnlyReport().classes, Contains("fs_reclaim"));
  EXPECT_THAT(OnlyReport().classes, Contains("dma_fence_map"));
}

TEST_F(DmaResvLockdep, KzallocWhileSignallingIsACycleToo) {
  const bool cookie = dma_fence_begin_signalling();
  kfree(kzalloc(16, GFP_KERNEL));
  dma_fence_end_signalling(cookie);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(DmaResvLockdep, AtomicAllocationsWhileSignallingAreFine) {
  const bool cookie = dma_fence_begin_signalling();
  kfree(kmalloc(16, GFP_ATOMIC));
  kfree(kzalloc(16, GFP_NOWAIT));
  dma_fence_end_signalling(cookie);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaResvLockdep, NoReclaimSectionsDoNotReclaim) {
  const bool cookie = dma_fence_begin_signalling();
  const unsigned int flags = memalloc_noreclaim_save();
  kfree(kmalloc(16, GFP_KERNEL));
  memalloc_noreclaim_restore(flags);
  dma_fence_end_signalling(cookie);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaResvLockdep, ReservationLockWhileSignallingIsACycle) {
  struct dma_resv obj;
  dma_resv_init(&obj);
  const bool cookie = dma_fence_begin_signalling();
  dma_resv_lock(&obj, nullptr);
  dma_resv_unlock(&obj);
  dma_fence_end_signalling(cookie);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_THAT(OnlyReport().classes, Contains("dma_fence_map"));
  EXPECT_THAT(OnlyReport().classes, Contains("reservation_ww_class_mutex"));
  dma_resv_fini(&obj);
}

TEST_F(DmaResvLockdep, TheDriverOrderItselfIsClean) {
  // What drivers do all day: allocate and wait for fences under the
  // reservation lock, and signal fences without it.
  struct dma_resv obj;
  dma_resv_init(&obj);
  struct dma_fence* fence = dma_test::NewFence();
  dma_resv_lock(&obj, nullptr);
  kfree(kmalloc(16, GFP_KERNEL));
  ASSERT_EQ(dma_resv_reserve_fences(&obj, 1), 0);
  dma_resv_add_fence(&obj, fence, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&obj);
  const bool cookie = dma_fence_begin_signalling();
  dma_fence_signal(fence);
  dma_fence_end_signalling(cookie);
  dma_resv_lock(&obj, nullptr);
  EXPECT_GT(dma_resv_wait_timeout(&obj, DMA_RESV_USAGE_WRITE, false, 1000),
            0);
  dma_resv_unlock(&obj);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_fence_put(fence);
  dma_resv_fini(&obj);
}

}  // namespace
