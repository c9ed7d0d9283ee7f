// Fences and exporters for the dma-fence / dma-resv / dma-buf suites: fences
// on the heap whose release is counted, and an exporter whose callbacks count
// their calls and check the locking convention they are promised.
#ifndef LOCKDEP_TESTS_DMA_TEST_UTIL_H_
#define LOCKDEP_TESTS_DMA_TEST_UTIL_H_

#include <atomic>
#include <initializer_list>

#include "core/dma-buf.h"
#include "core/dma-fence.h"
#include "core/dma-resv.h"
#include "instrument/kernel.h"

namespace dma_test {

inline const char* TestDriverName(struct dma_fence*) { return "test"; }
inline const char* TestTimelineName(struct dma_fence*) { return "timeline"; }

// Counts releases of fences made with kTestFenceOps, then frees them.
inline std::atomic<int> fences_released{0};
inline void TestFenceRelease(struct dma_fence* fence) {
  fences_released.fetch_add(1);
  dma_fence_free(fence);
}

inline const struct dma_fence_ops kTestFenceOps = {
    .get_driver_name = TestDriverName,
    .get_timeline_name = TestTimelineName,
    .release = TestFenceRelease,
};

// A heap fence with its own lock, on a fresh timeline unless given one.
inline struct dma_fence* NewFence(u64 context = 0, u64 seqno = 1) {
  auto* fence = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  if (context == 0) context = dma_fence_context_alloc(1);
  dma_fence_inplace_lock_init(fence, &kTestFenceOps, context, seqno);
  return fence;
}

// Signals each fence (if not yet) and drops the caller's reference: the end
// of most tests.
inline void SignalAndPut(std::initializer_list<struct dma_fence*> fences) {
  for (struct dma_fence* f : fences) {
    dma_fence_signal(f);
    dma_fence_put(f);
  }
}

// What TestExporter's callbacks saw.
struct ExporterCalls {
  std::atomic<int> map{0};
  std::atomic<int> unmap{0};
  std::atomic<int> release{0};
  std::atomic<int> vmap{0};
  std::atomic<int> vunmap{0};
  std::atomic<int> pin{0};
  std::atomic<int> unpin{0};
};
inline ExporterCalls exporter_calls;

inline struct sg_table* TestMap(struct dma_buf_attachment* attach,
                                enum dma_data_direction) {
  // What a real exporter relies on: the convention dma-buf promises it.
  if (dma_buf_is_dynamic(attach->dmabuf)) {
    dma_resv_assert_held(attach->dmabuf->resv);
  }
  exporter_calls.map.fetch_add(1);
  auto* sgt = static_cast<struct sg_table*>(
      kzalloc(sizeof(struct sg_table), GFP_KERNEL));
  sg_alloc_table(sgt, 1, GFP_KERNEL);
  sgt->sgl[0].length = static_cast<unsigned int>(attach->dmabuf->size);
  return sgt;
}

inline void TestUnmap(struct dma_buf_attachment* attach, struct sg_table* sgt,
                      enum dma_data_direction) {
  if (dma_buf_is_dynamic(attach->dmabuf)) {
    dma_resv_assert_held(attach->dmabuf->resv);
  }
  exporter_calls.unmap.fetch_add(1);
  sg_free_table(sgt);
  kfree(sgt);
}

inline void TestRelease(struct dma_buf*) {
  exporter_calls.release.fetch_add(1);
}

inline char vmap_memory[64];
inline void* TestVmap(struct dma_buf*) {
  exporter_calls.vmap.fetch_add(1);
  return vmap_memory;
}
inline void TestVunmap(struct dma_buf*, void*) {
  exporter_calls.vunmap.fetch_add(1);
}

// pin/unpin: what a dynamic exporter is promised (the reservation lock).
inline int TestPin(struct dma_buf_attachment* attach) {
  dma_resv_assert_held(attach->dmabuf->resv);
  exporter_calls.pin.fetch_add(1);
  return 0;
}
inline void TestUnpin(struct dma_buf_attachment* attach) {
  dma_resv_assert_held(attach->dmabuf->resv);
  exporter_calls.unpin.fetch_add(1);
}

inline const struct dma_buf_ops kStaticExporter = {
    .map_dma_buf = TestMap,
    .unmap_dma_buf = TestUnmap,
    .release = TestRelease,
    .vmap = TestVmap,
    .vunmap = TestVunmap,
};

inline const struct dma_buf_ops kDynamicExporter = {
    .dynamic_mapping = true,
    .map_dma_buf = TestMap,
    .unmap_dma_buf = TestUnmap,
    .release = TestRelease,
};

// A dynamic exporter that can pin (vram that can also stay put).
inline const struct dma_buf_ops kPinningExporter = {
    .dynamic_mapping = true,
    .pin = TestPin,
    .unpin = TestUnpin,
    .map_dma_buf = TestMap,
    .unmap_dma_buf = TestUnmap,
    .release = TestRelease,
};

inline const struct dma_buf_ops kCachingExporter = {
    .cache_sgt_mapping = true,
    .map_dma_buf = TestMap,
    .unmap_dma_buf = TestUnmap,
    .release = TestRelease,
};

inline int exporter_priv;

// A 4096-byte buffer of `ops`, or the ERR_PTR dma_buf_export() returned.
inline struct dma_buf* Export(const struct dma_buf_ops* ops,
                              struct dma_resv* resv = nullptr) {
  DEFINE_DMA_BUF_EXPORT_INFO(info);
  info.ops = ops;
  info.size = 4096;
  info.resv = resv;
  info.priv = &exporter_priv;
  return dma_buf_export(&info);
}

inline void ResetExporterCalls() {
  exporter_calls.map = 0;
  exporter_calls.unmap = 0;
  exporter_calls.release = 0;
  exporter_calls.vmap = 0;
  exporter_calls.vunmap = 0;
  exporter_calls.pin = 0;
  exporter_calls.unpin = 0;
}

}  // namespace dma_test

#endif  // LOCKDEP_TESTS_DMA_TEST_UTIL_H_
