// dma-buf (core/dma-buf.h): export and its refusals, references, the four
// importer/exporter combinations of dynamic mapping (who is called when, with
// or without the reservation lock; the mapping cached at attach time when
// they disagree), the two convention bugs of the review each with its clean
// near miss, the cached mapping of cache_sgt_mapping, names, the debug
// listing (which takes the reservation lock), vmap counting, CPU access
// waiting for fences, and move notification.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/dma-buf.h"
#include "instrument/kernel.h"
#include "tests/dma_test_util.h"
#include "tests/test_support.h"

namespace {

using ::dma_test::Export;
using ::dma_test::exporter_calls;
using ::dma_test::kCachingExporter;
using ::dma_test::kDynamicExporter;
using ::dma_test::kStaticExporter;
using ::dma_test::NewFence;
using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class DmaBuf : public LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    dma_test::ResetExporterCalls();
  }
  struct device gpu_ = {.name = "gpu"};
  struct device display_ = {.name = "display"};
};

// Reads what dma_buf_debug_show() writes.
std::string DebugShow() {
  char* text = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&text, &size);
  dma_buf_debug_show(f);
  std::fclose(f);
  std::string out(text, size);
  std::free(text);
  return out;
}

TEST_F(DmaBuf, ExportRefusesBadInfoWithErrPtr) {
  EXPECT_EQ(PTR_ERR(Export(nullptr)), -EINVAL);
  static const struct dma_buf_ops both = {
      .cache_sgt_mapping = true,
      .dynamic_mapping = true,
      .map_dma_buf = dma_test::TestMap,
      .unmap_dma_buf = dma_test::TestUnmap,
      .release = dma_test::TestRelease,
  };
  EXPECT_EQ(PTR_ERR(Export(&both)), -EINVAL);
  static const struct dma_buf_ops no_release = {
      .map_dma_buf = dma_test::TestMap,
      .unmap_dma_buf = dma_test::TestUnmap,
  };
  EXPECT_EQ(PTR_ERR(Export(&no_release)), -EINVAL);
  DEFINE_DMA_BUF_EXPORT_INFO(no_priv);
  no_priv.ops = &kStaticExporter;
  EXPECT_TRUE(IS_ERR(dma_buf_export(&no_priv)));
  // The near miss: each alone is fine.
  struct dma_buf* caching = Export(&kCachingExporter);
  struct dma_buf* dynamic = Export(&kDynamicExporter);
  EXPECT_FALSE(IS_ERR_OR_NULL(caching));
  EXPECT_FALSE(IS_ERR_OR_NULL(dynamic));
  EXPECT_TRUE(dma_buf_is_dynamic(dynamic));
  EXPECT_FALSE(dma_buf_is_dynamic(caching));
  dma_buf_put(caching);
  dma_buf_put(dynamic);
  // Each refusal is the exporter's bug, reported as Linux's WARN_ON (once
  // per call site: the first and the last refusal share one check).
  EXPECT_THAT(Kinds(),
              ElementsAre(ReportKind::kWarnOn, ReportKind::kWarnOn));
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    EXPECT_THAT(r.title, ::testing::StartsWith("WARNING: CPU: "));
    EXPECT_THAT(r.title, ::testing::HasSubstr("core/dma-buf.cc:"));
    EXPECT_THAT(r.title, ::testing::EndsWith(" dma_buf_export"));
  }
}

TEST_F(DmaBuf, TheLastPutReleasesOnce) {
  struct dma_buf* buf = Export(&kStaticExporter);
  EXPECT_EQ(buf->size, 4096u);
  EXPECT_EQ(buf->priv, &dma_test::exporter_priv);
  ASSERT_NE(buf->resv, nullptr);
  get_dma_buf(buf);
  dma_buf_put(buf);
  EXPECT_EQ(exporter_calls.release.load(), 0);
  dma_buf_put(buf);
  EXPECT_EQ(exporter_calls.release.load(), 1);
}

TEST_F(DmaBuf, AnExportersOwnReservationObjectIsUsed) {
  struct dma_resv shared;
  dma_resv_init(&shared);
  struct dma_buf* buf = Export(&kStaticExporter, &shared);
  EXPECT_EQ(buf->resv, &shared);
  dma_buf_put(buf);
  dma_resv_fini(&shared);
}

// ---------------------------------------------------------------------------
// The four combinations.

TEST_F(DmaBuf, StaticImporterOfStaticExporterMapsEachTimeWithoutTheLock) {
  struct dma_buf* buf = Export(&kStaticExporter);
  struct dma_buf_attachment* at = dma_buf_attach(buf, &gpu_);
  ASSERT_FALSE(IS_ERR(at));
  EXPECT_FALSE(dma_buf_attachment_is_dynamic(at));
  EXPECT_EQ(exporter_calls.map.load(), 0);
  for (int i = 1; i <= 2; ++i) {
    struct sg_table* sgt = dma_buf_map_attachment(at, DMA_TO_DEVICE);
    ASSERT_FALSE(IS_ERR(sgt));
    EXPECT_EQ(sgt->sgl[0].length, 4096u);
    dma_buf_unmap_attachment(at, sgt, DMA_TO_DEVICE);
    EXPECT_EQ(exporter_calls.map.load(), i);
    EXPECT_EQ(exporter_calls.unmap.load(), i);
  }
  dma_buf_detach(buf, at);
  dma_buf_put(buf);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaBuf, DynamicImporterOfDynamicExporterMapsUnderTheLock) {
  struct dma_buf* buf = Export(&kDynamicExporter);
  struct dma_buf_attachment* at = dma_buf_dynamic_attach(buf, &gpu_, true);
  ASSERT_FALSE(IS_ERR(at));
  EXPECT_TRUE(dma_buf_attachment_is_dynamic(at));
  dma_resv_lock(buf->resv, nullptr);
  struct sg_table* sgt = dma_buf_map_attachment(at, DMA_BIDIRECTIONAL);
  dma_buf_unmap_attachment(at, sgt, DMA_BIDIRECTIONAL);
  dma_resv_unlock(buf->resv);
  EXPECT_EQ(exporter_calls.map.load(), 1);
  EXPECT_EQ(exporter_calls.unmap.load(), 1);
  dma_buf_detach(buf, at);
  dma_buf_put(buf);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaBuf, WhenTheyDisagreeTheMappingIsMadeAtAttachAndCached) {
  struct dma_buf* static_buf = Export(&kStaticExporter);
  struct dma_buf* dynamic_buf = Export(&kDynamicExporter);
  // Dynamic importer, static exporter: mapped at attach without the lock
  // (the static exporter's callback must not see it held).
  struct dma_buf_attachment* a =
      dma_buf_dynamic_attach(static_buf, &gpu_, true);
  // Static importer, dynamic exporter: mapped at attach under the lock (the
  // dynamic exporter's callback asserts it).
  struct dma_buf_attachment* b = dma_buf_attach(dynamic_buf, &display_);
  EXPECT_EQ(exporter_calls.map.load(), 2);
  ASSERT_NE(a->sgt, nullptr);
  ASSERT_NE(b->sgt, nullptr);

  for (int i = 0; i < 3; ++i) {
    dma_resv_lock(static_buf->resv, nullptr);  // the dynamic importer's way
    struct sg_table* sgt = dma_buf_map_attachment(a, DMA_FROM_DEVICE);
    EXPECT_EQ(sgt, a->sgt);
    dma_buf_unmap_attachment(a, sgt, DMA_FROM_DEVICE);
    dma_resv_unlock(static_buf->resv);

    sgt = dma_buf_map_attachment(b, DMA_TO_DEVICE);  // the static way
    EXPECT_EQ(sgt, b->sgt);
    dma_buf_unmap_attachment(b, sgt, DMA_TO_DEVICE);
  }
  EXPECT_EQ(exporter_calls.map.load(), 2);  // once each, at attach
  EXPECT_EQ(exporter_calls.unmap.load(), 0);
  dma_buf_detach(static_buf, a);
  dma_buf_detach(dynamic_buf, b);
  EXPECT_EQ(exporter_calls.unmap.load(), 2);  // once each, at detach
  dma_buf_put(static_buf);
  dma_buf_put(dynamic_buf);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ---------------------------------------------------------------------------
// The convention bugs of the review.

TEST_F(DmaBuf, MappingAStaticExportersBufferUnderTheLockIsReported) {
  struct dma_buf* buf = Export(&kStaticExporter);
  struct dma_buf_attachment* at = dma_buf_attach(buf, &gpu_);
  dma_resv_lock(buf->resv, nullptr);
  struct sg_table* sgt = dma_buf_map_attachment(at, DMA_TO_DEVICE);
  dma_resv_unlock(buf->resv);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kAssertNotHeldFailed));
  EXPECT_THAT(lockdep::CollectedReports()[0].text,
              HasSubstr("lockdep_assert_not_held failed"));
  dma_buf_unmap_attachment(at, sgt, DMA_TO_DEVICE);
  dma_buf_detach(buf, at);
  dma_buf_put(buf);
}

TEST_F(DmaBuf, UnmappingAStaticExportersBufferUnderTheLockIsReported) {
  struct dma_buf* buf = Export(&kStaticExporter);
  struct dma_buf_attachment* at = dma_buf_attach(buf, &gpu_);
  struct sg_table* sgt = dma_buf_map_attachment(at, DMA_TO_DEVICE);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_resv_lock(buf->resv, nullptr);
  dma_buf_unmap_attachment(at, sgt, DMA_TO_DEVICE);
  dma_resv_unlock(buf->resv);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertNotHeldFailed));
  dma_buf_detach(buf, at);
  dma_buf_put(buf);
}

TEST_F(DmaBuf, ADynamicImporterMappingWithoutTheLockIsReported) {
  struct dma_buf* buf = Export(&kDynamicExporter);
  struct dma_buf_attachment* at = dma_buf_dynamic_attach(buf, &gpu_, true);
  struct sg_table* sgt = dma_buf_map_attachment(at, DMA_TO_DEVICE);
  // Both the importer's check and the exporter's promise are broken.
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
  dma_resv_lock(buf->resv, nullptr);
  dma_buf_unmap_attachment(at, sgt, DMA_TO_DEVICE);
  dma_resv_unlock(buf->resv);
  dma_buf_detach(buf, at);
  dma_buf_put(buf);
}

TEST_F(DmaBuf, ADynamicImporterOfAStaticExporterStillNeedsTheLock) {
  struct dma_buf* buf = Export(&kStaticExporter);
  struct dma_buf_attachment* at = dma_buf_dynamic_attach(buf, &gpu_, true);
  dma_buf_map_attachment(at, DMA_TO_DEVICE);  // cached, but the rule stands
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
  dma_buf_detach(buf, at);
  dma_buf_put(buf);
}

// ---------------------------------------------------------------------------

TEST_F(DmaBuf, CacheSgtMappingMapsOnceAndRefusesAnotherDirection) {
  struct dma_buf* buf = Export(&kCachingExporter);
  struct dma_buf_attachment* at = dma_buf_attach(buf, &gpu_);
  struct sg_table* first = dma_buf_map_attachment(at, DMA_TO_DEVICE);
  struct sg_table* again = dma_buf_map_attachment(at, DMA_TO_DEVICE);
  EXPECT_EQ(first, again);
  EXPECT_EQ(PTR_ERR(dma_buf_map_attachment(at, DMA_FROM_DEVICE)), -EBUSY);
  dma_buf_unmap_attachment(at, first, DMA_TO_DEVICE);
  EXPECT_EQ(exporter_calls.map.load(), 1);
  EXPECT_EQ(exporter_calls.unmap.load(), 0);
  dma_buf_detach(buf, at);
  EXPECT_EQ(exporter_calls.unmap.load(), 1);
  dma_buf_put(buf);
  EXPECT_THAT(Kinds(), IsEmpty());
}

int refuse_attach(struct dma_buf*, struct dma_buf_attachment*) {
  return -EBUSY;
}

TEST_F(DmaBuf, AnExporterMayRefuseAnAttachment) {
  static const struct dma_buf_ops ops = {
      .attach = refuse_attach,
      .map_dma_buf = dma_test::TestMap,
      .unmap_dma_buf = dma_test::TestUnmap,
      .release = dma_test::TestRelease,
  };
  struct dma_buf* buf = Export(&ops);
  EXPECT_EQ(PTR_ERR(dma_buf_attach(buf, &gpu_)), -EBUSY);
  dma_buf_put(buf);
}

TEST_F(DmaBuf, NamesAndTheDebugListing) {
  struct dma_buf* buf = Export(&kStaticExporter);
  EXPECT_EQ(dma_buf_set_name(buf, "scanout"), 0);
  EXPECT_EQ(dma_buf_set_name(buf, "framebuffer"), 0);
  EXPECT_STREQ(buf->name, "framebuffer");
  struct dma_buf_attachment* a = dma_buf_attach(buf, &gpu_);
  struct dma_buf_attachment* b = dma_buf_attach(buf, &display_);
  EXPECT_EQ(dma_buf_set_name(buf, "late"), -EBUSY);
  const std::string listing = DebugShow();
  EXPECT_THAT(listing, HasSubstr("framebuffer"));
  EXPECT_THAT(listing, HasSubstr("\tgpu\n"));
  EXPECT_THAT(listing, HasSubstr("\tdisplay\n"));
  EXPECT_THAT(listing, HasSubstr("Total 2 devices attached"));
  dma_buf_detach(buf, a);
  dma_buf_detach(buf, b);
  dma_buf_put(buf);
  EXPECT_THAT(DebugShow(), Not(HasSubstr("framebuffer")));
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaBuf, TheDebugListingWaitsForTheReservationLock) {
  struct dma_buf* buf = Export(&kStaticExporter);
  dma_buf_set_name(buf, "busy");
  dma_resv_lock(buf->resv, nullptr);
  std::atomic<bool> done{false};
  std::string listing;
  std::thread reader([&] {
    listing = DebugShow();
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(done.load());  // blocked on the lock before printing the name
  dma_resv_unlock(buf->resv);
  reader.join();
  EXPECT_THAT(listing, HasSubstr("busy"));
  dma_buf_put(buf);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaBuf, VmapIsCountedAndBalanced) {
  struct dma_buf* buf = Export(&kStaticExporter);
  void* a = dma_buf_vmap(buf);
  void* b = dma_buf_vmap(buf);
  EXPECT_EQ(a, b);
  EXPECT_EQ(exporter_calls.vmap.load(), 1);
  dma_buf_vunmap(buf, b);
  EXPECT_EQ(exporter_calls.vunmap.load(), 0);
  dma_buf_vunmap(buf, a);
  EXPECT_EQ(exporter_calls.vunmap.load(), 1);
  struct dma_buf* no_vmap = Export(&kDynamicExporter);
  EXPECT_EQ(dma_buf_vmap(no_vmap), nullptr);
  dma_buf_put(buf);
  dma_buf_put(no_vmap);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaBuf, CpuAccessWaitsForTheFencesItMust) {
  struct dma_buf* buf = Export(&kStaticExporter);
  struct dma_fence* write = NewFence();
  dma_resv_lock(buf->resv, nullptr);
  dma_resv_reserve_fences(buf->resv, 1);
  dma_resv_add_fence(buf->resv, write, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(buf->resv);
  std::thread gpu([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    dma_fence_signal(write);
  });
  EXPECT_EQ(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
  EXPECT_TRUE(dma_fence_is_signaled(write));
  EXPECT_EQ(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), 0);
  gpu.join();
  dma_fence_put(write);
  dma_buf_put(buf);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaBuf, BeginCpuAccessWithTheReservationLockHeldIsReported) {
  struct dma_buf* buf = Export(&kStaticExporter);
  dma_resv_lock(buf->resv, nullptr);
  EXPECT_EQ(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
  dma_resv_unlock(buf->resv);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
  EXPECT_EQ(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), 0);
  dma_buf_put(buf);
}

TEST_F(DmaBuf, EndCpuAccessWithTheReservationLockHeldIsReported) {
  struct dma_buf* buf = Export(&kStaticExporter);
  EXPECT_EQ(dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE), 0);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_resv_lock(buf->resv, nullptr);
  EXPECT_EQ(dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE), 0);
  dma_resv_unlock(buf->resv);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
  dma_buf_put(buf);
}

TEST_F(DmaBuf, TheLastPutUnderAnotherBuffersLockReleasesOutsideIt) {
  struct dma_buf* a = Export(&kStaticExporter);
  struct dma_buf* b = Export(&kStaticExporter);
  dma_test::ResetExporterCalls();
  dma_resv_lock(a->resv, nullptr);
  dma_buf_put(b);  // the last reference
  dma_resv_unlock(a->resv);
  flush_delayed_fput();
  EXPECT_EQ(dma_test::exporter_calls.release.load(), 1);
  // The listing takes the buffer list lock, then each reservation lock: no
  // cycle with a release that never ran under a's lock.
  char* text = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&text, &size);
  EXPECT_EQ(dma_buf_debug_show(f), 0);
  std::fclose(f);
  std::free(text);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_buf_put(a);
  EXPECT_EQ(dma_test::exporter_calls.release.load(), 2);  // no lock: at once
}

int moves = 0;
void count_move(struct dma_buf_attachment*) { moves++; }
const struct dma_buf_attach_ops kMovingImporter = {.move_notify = count_move};

TEST_F(DmaBuf, MoveNotifyReachesEveryDynamicImporterUnderTheLock) {
  moves = 0;
  struct dma_buf* buf = Export(&kDynamicExporter);
  struct dma_buf_attachment* a =
      dma_buf_dynamic_attach(buf, &gpu_, &kMovingImporter, nullptr);
  struct dma_buf_attachment* b =
      dma_buf_dynamic_attach(buf, &display_, &kMovingImporter, nullptr);
  ASSERT_FALSE(IS_ERR_OR_NULL(a));
  ASSERT_FALSE(IS_ERR_OR_NULL(b));
  EXPECT_TRUE(dma_buf_attachment_is_dynamic(a));
  dma_resv_lock(buf->resv, nullptr);
  dma_buf_move_notify(buf);
  dma_resv_unlock(buf->resv);
  EXPECT_EQ(moves, 2);
  EXPECT_THAT(Kinds(), IsEmpty());
  dma_buf_move_notify(buf);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
  dma_buf_detach(buf, a);
  dma_buf_detach(buf, b);
  dma_buf_put(buf);
}

TEST_F(DmaBuf, ADynamicImporterWithoutMoveNotifyIsRefused) {
  struct dma_buf* buf = Export(&kDynamicExporter);
  static const struct dma_buf_attach_ops no_move = {.allow_peer2peer = true};
  EXPECT_EQ(PTR_ERR(dma_buf_dynamic_attach(buf, &gpu_, &no_move, nullptr)),
            -EINVAL);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kWarnOn));
  // NULL ops: a static importer, Linux's dma_buf_attach().
  struct dma_buf_attachment* at =
      dma_buf_dynamic_attach(buf, &gpu_, nullptr, nullptr);
  ASSERT_FALSE(IS_ERR_OR_NULL(at));
  EXPECT_FALSE(dma_buf_attachment_is_dynamic(at));
  dma_buf_detach(buf, at);
  dma_buf_put(buf);
}

TEST_F(DmaBuf, AStaticImporterOfADynamicExporterPinsFromAttachToDetach) {
  dma_test::ResetExporterCalls();
  struct dma_buf* buf = Export(&dma_test::kPinningExporter);
  struct dma_buf_attachment* at = dma_buf_attach(buf, &display_);
  ASSERT_FALSE(IS_ERR_OR_NULL(at));
  EXPECT_EQ(dma_test::exporter_calls.pin.load(), 1);
  EXPECT_EQ(dma_test::exporter_calls.unpin.load(), 0);
  struct sg_table* sgt = dma_buf_map_attachment(at, DMA_TO_DEVICE);
  ASSERT_FALSE(IS_ERR_OR_NULL(sgt));
  dma_buf_unmap_attachment(at, sgt, DMA_TO_DEVICE);
  EXPECT_EQ(dma_test::exporter_calls.pin.load(), 1);
  dma_buf_detach(buf, at);
  EXPECT_EQ(dma_test::exporter_calls.unpin.load(), 1);
  // A dynamic importer follows moves instead: nothing pinned for it.
  struct dma_buf_attachment* dyn =
      dma_buf_dynamic_attach(buf, &gpu_, &kMovingImporter, nullptr);
  EXPECT_EQ(dma_test::exporter_calls.pin.load(), 1);
  dma_buf_detach(buf, dyn);
  dma_buf_put(buf);
  EXPECT_THAT(Kinds(), IsEmpty());  // pin/unpin asserted the resv was held
}

TEST_F(DmaBuf, DynamicImportersPinUnderTheReservationLock) {
  dma_test::ResetExporterCalls();
  struct dma_buf* buf = Export(&dma_test::kPinningExporter);
  struct dma_buf_attachment* at =
      dma_buf_dynamic_attach(buf, &gpu_, &kMovingImporter, nullptr);
  dma_resv_lock(buf->resv, nullptr);
  EXPECT_EQ(dma_buf_pin(at), 0);
  dma_buf_unpin(at);
  dma_resv_unlock(buf->resv);
  EXPECT_EQ(dma_test::exporter_calls.pin.load(), 1);
  EXPECT_EQ(dma_test::exporter_calls.unpin.load(), 1);
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_EQ(dma_buf_pin(at), 0);  // without the lock
  EXPECT_THAT(Kinds(), Contains(ReportKind::kAssertHeldFailed));
  dma_resv_lock(buf->resv, nullptr);
  dma_buf_unpin(at);
  dma_resv_unlock(buf->resv);
  dma_buf_detach(buf, at);
  dma_buf_put(buf);
}

TEST_F(DmaBuf, ExportRefusesPinWithoutUnpin) {
  static const struct dma_buf_ops half = {
      .dynamic_mapping = true,
      .pin = dma_test::TestPin,
      .map_dma_buf = dma_test::TestMap,
      .unmap_dma_buf = dma_test::TestUnmap,
      .release = dma_test::TestRelease,
  };
  EXPECT_EQ(PTR_ERR(Export(&half)), -EINVAL);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kWarnOn));
}

}  // namespace
