// The always-signalled fences: the shared stub and private ones.
#include "core/bug.h"
#include "core/dma-fence.h"
#include "instrument/kernel.h"

namespace {

const char* dma_fence_stub_get_name(struct dma_fence*) { return "stub"; }

const struct dma_fence_ops dma_fence_stub_ops = {
    .get_driver_name = dma_fence_stub_get_name,
    .get_timeline_name = dma_fence_stub_get_name,
};

DEFINE_SPINLOCK(dma_fence_stub_lock);

// Signalled once, at first use; its creator's reference is never dropped,
// so it is never released.
struct dma_fence* stub_fence() {
  static struct dma_fence* stub = [] {
    static struct dma_fence fence;
    dma_fence_init(&fence, &dma_fence_stub_ops, &dma_fence_stub_lock, 0, 0);
    fence.flags.fetch_or(1ul << DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT);
    dma_fence_signal(&fence);
    return &fence;
  }();
  return stub;
}

}  // namespace

struct dma_fence* dma_fence_get_stub() { return dma_fence_get(stub_fence()); }

struct dma_fence* dma_fence_allocate_private_stub(ktime_t timestamp) {
  auto* fence = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  if (!fence) return nullptr;
  dma_fence_init(fence, &dma_fence_stub_ops, nullptr,
                 dma_fence_context_alloc(1), 0);
  fence->flags.fetch_or(1ul << DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT);
  dma_fence_signal_timestamp(fence, timestamp);
  return fence;
}

ktime_t dma_fence_timestamp(struct dma_fence* fence) {
  if (WARN_ON(!(fence->flags.load(std::memory_order_acquire) &
                (1ul << DMA_FENCE_FLAG_SIGNALED_BIT)))) {
    return ktime_get();
  }
  // The signaller sets SIGNALED, then stores the time and sets TIMESTAMP.
  while (!(fence->flags.load(std::memory_order_acquire) &
           (1ul << DMA_FENCE_FLAG_TIMESTAMP_BIT))) {
  }
  return fence->timestamp;
}
