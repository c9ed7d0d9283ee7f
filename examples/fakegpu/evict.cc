// The shrinker: memory is short, so buffers are evicted, each once its
// fences signalled. It runs under fs_reclaim (an allocation's direct
// reclaim), so it may only trylock reservation objects, and every fence it
// waits for must be one that can signal without anything reclaim holds.
// A buffer pinned for a static importer (the display) stays; an exported
// buffer that moves tells its dynamic importers (dma_buf_move_notify()).
#include "examples/fakegpu/driver.h"

namespace fakegpu {
namespace {

// Long enough for any job to finish, bounded so that the buggy variant's
// real deadlock (run_job waiting for the LRU lock this wait holds) ends.
constexpr signed long kEvictWaitJiffies = 50;

// Waits until `bo` is idle, its lock held (trylock: reclaim cannot wait for
// a reservation lock whose holder may be allocating). Waits for each fence,
// signalled or not, as a driver that walks the list under the lock does.
void evict_bo(struct fakegpu_device* gdev, struct fakegpu_bo* bo) {
  if (!dma_resv_trylock(&bo->resv)) return;
  if (bo->pin_count > 0) {
    dma_resv_unlock(&bo->resv);
    gdev->pinned_skips.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_for_each_fence(&cursor, &bo->resv, DMA_RESV_USAGE_BOOKKEEP, fence) {
    dma_fence_wait_timeout(fence, false, kEvictWaitJiffies);
  }
  // Moved out: the importers' mappings point at the old place.
  if (bo->dmabuf) dma_buf_move_notify(bo->dmabuf);
  bo->evictions++;
  dma_resv_unlock(&bo->resv);
  gdev->evictions.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

void fakegpu_shrink(struct fakegpu_device* gdev) {
  fs_reclaim_acquire(GFP_KERNEL);
  if (gdev->variant == Variant::kEvictUnderLruLock) {
    // The bug: the LRU lock held across the waits. run_job takes it, so
    // the fence waited for may be stuck behind this very lock.
    mutex_lock(&gdev->lru_lock);
    for (int i = 0; i < gdev->num_bos; ++i) evict_bo(gdev, &gdev->bos[i]);
    mutex_unlock(&gdev->lru_lock);
  } else {
    // Pick the victims under the lock, wait without it (the buffers live as
    // long as the device, so no reference is needed to keep them).
    mutex_lock(&gdev->lru_lock);
    const int victims = gdev->num_bos;
    mutex_unlock(&gdev->lru_lock);
    for (int i = 0; i < victims; ++i) evict_bo(gdev, &gdev->bos[i]);
  }
  fs_reclaim_release(GFP_KERNEL);
}

}  // namespace fakegpu
