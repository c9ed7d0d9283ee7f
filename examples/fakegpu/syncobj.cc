// User-visible sync points, as drm_syncobj keeps them: a timeline is a
// dma_fence_chain whose node N signals once the fences of points 1..N all
// have, so user space waits for "point N" without knowing which job or ring
// it was. And a job's fence handed out as a sync_file.
#include "examples/fakegpu/driver.h"

namespace fakegpu {

void fakegpu_syncobj_init(struct fakegpu_syncobj* syncobj) {
  spin_lock_init(&syncobj->lock);
  syncobj->fence = nullptr;
}

void fakegpu_syncobj_fini(struct fakegpu_syncobj* syncobj) {
  dma_fence_put(syncobj->fence);
  syncobj->fence = nullptr;
}

// drm_syncobj_add_point(): the node is allocated first (GFP_KERNEL, no lock
// held), linked under the syncobj's lock, and the signalled nodes behind it
// are dropped by walking the chain, as Linux does, outside the lock.
int fakegpu_syncobj_add_point(struct fakegpu_syncobj* syncobj,
                              struct dma_fence* fence, u64 point) {
  struct dma_fence_chain* chain = dma_fence_chain_alloc();
  if (!chain) return -ENOMEM;
  spin_lock(&syncobj->lock);
  struct dma_fence* prev = syncobj->fence;  // the chain takes this reference
  dma_fence_chain_init(chain, prev, dma_fence_get(fence), point);
  syncobj->fence = dma_fence_get(&chain->base);
  spin_unlock(&syncobj->lock);
  struct dma_fence* iter;
  dma_fence_chain_for_each(iter, &chain->base) {
    // Walking is what drops the signalled nodes.
  }
  dma_fence_put(&chain->base);
  return 0;
}

struct dma_fence* fakegpu_syncobj_find_fence(struct fakegpu_syncobj* syncobj,
                                             u64 point) {
  spin_lock(&syncobj->lock);
  struct dma_fence* fence = dma_fence_get(syncobj->fence);
  spin_unlock(&syncobj->lock);
  if (!fence) return ERR_PTR(-EINVAL);
  const int ret = dma_fence_chain_find_seqno(&fence, point);
  if (ret) {
    dma_fence_put(fence);
    return ERR_PTR(ret);
  }
  return fence;
}

struct sync_file* fakegpu_fence_export_sync_file(struct dma_fence* fence) {
  return sync_file_create(fence);
}

}  // namespace fakegpu
