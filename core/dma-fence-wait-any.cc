// Waiting helpers beyond one fence's wait: a waiter's deadline hint, and the
// wait for whichever of several fences signals first.
#include "core/bug.h"
#include "core/dma-fence.h"
#include "instrument/kernel.h"

namespace {

struct wait_any_cb {
  struct dma_fence_cb base;
  struct completion* done;
};

// Under the signalled fence's lock; the waiter removes every callback under
// each fence's lock before its completion goes out of scope.
void wait_any_cb_func(struct dma_fence*, struct dma_fence_cb* cb) {
  complete(container_of(cb, struct wait_any_cb, base)->done);
}

bool test_signaled_any(struct dma_fence** fences, u32 count, u32* idx) {
  for (u32 i = 0; i < count; ++i) {
    if (dma_fence_is_signaled(fences[i])) {
      if (idx) *idx = i;
      return true;
    }
  }
  return false;
}

}  // namespace

void dma_fence_set_deadline(struct dma_fence* fence, ktime_t deadline) {
  if (fence->ops->set_deadline && !dma_fence_is_signaled(fence)) {
    fence->ops->set_deadline(fence, deadline);
  }
}

__attribute__((noinline)) signed long dma_fence_wait_any_timeout(
    struct dma_fence** fences, u32 count, bool /*intr*/, signed long timeout,
    u32* idx) {
  if (WARN_ON(!fences || !count || timeout < 0)) return -EINVAL;
  if (timeout == 0) return test_signaled_any(fences, count, idx) ? 1 : 0;
  lockdep_might_sleep(__FILE__, __LINE__, LOCKDEP_RET_IP);
  dma_fence_might_wait();

  auto* cb = static_cast<struct wait_any_cb*>(
      kzalloc(count * sizeof(struct wait_any_cb), GFP_KERNEL));
  if (!cb) return -ENOMEM;
  struct completion done;
  init_completion(&done);
  // Fence waits are judged by the fence annotations (dma_fence_might_wait,
  // dma_fence_begin_signalling); this completion is only the wake-up.
  lockdep_event_exclude(&done.dep_map);
  signed long ret = timeout;
  u32 i;
  for (i = 0; i < count; ++i) {
    cb[i].done = &done;
    if (dma_fence_add_callback(fences[i], &cb[i].base, wait_any_cb_func)) {
      // Already signalled.
      if (idx) *idx = i;
      break;
    }
  }
  if (i == count) {
    // Every callback completes `done` once; a wake-up means some fence
    // signalled, so look again, with the jiffies left.
    while (ret > 0 && !test_signaled_any(fences, count, idx)) {
      const unsigned long left = wait_for_completion_timeout(
          &done, static_cast<unsigned long>(ret));
      ret = timeout == MAX_SCHEDULE_TIMEOUT
                ? timeout
                : static_cast<signed long>(left);
    }
  }
  // Callbacks added before `i` may still be pending; after each removal
  // (under that fence's lock) none of them can touch `done` any more.
  while (i-- > 0) dma_fence_remove_callback(fences[i], &cb[i].base);
  kfree(cb);
  return ret;
}
