// Timeout handling (TDR): a delayed worker that looks for hardware fences
// past their deadline, fails them with -ETIME and takes them off the ring,
// under the reset lock, inside a signalling section (it signals fences);
// and the wait ioctl, which user space uses to wait for a job.
#include <chrono>

#include "examples/fakegpu/driver.h"

namespace fakegpu {
namespace {

// A job the hardware has not finished in this long is hung (generous: the
// machine may be loaded and sanitized).
constexpr u64 kJobDeadlineNs = 30ull * 1000 * 1000 * 1000;
constexpr auto kTdrPeriod = std::chrono::milliseconds(5);

void fakegpu_tdr_tick(struct fakegpu_device* gdev) {
  const bool cookie = dma_fence_begin_signalling();
  mutex_lock(&gdev->reset_lock);
  const u64 now = fakegpu_now_ns();
  for (int r = 0; r < gdev->num_rings; ++r) {
    struct fakegpu_ring* ring = &gdev->rings[r];
    LIST_HEAD(hung);
    unsigned long flags;
    spin_lock_irqsave(&ring->lock, flags);
    struct fakegpu_hw_fence *hw, *tmp;
    list_for_each_entry_safe(hw, tmp, &ring->hw_pending, node) {
      // Emitted after `now` was read is not late either (no unsigned
      // wrap-around); the list is in emission order.
      if (now < hw->emitted_ns + kJobDeadlineNs) break;
      list_del(&hw->node);
      dma_fence_set_error(&hw->base, -ETIME);
      dma_fence_signal_locked(&hw->base);
      list_add_tail(&hw->node, &hung);
      gdev->timeouts.fetch_add(1, std::memory_order_relaxed);
    }
    spin_unlock_irqrestore(&ring->lock, flags);
    list_for_each_entry_safe(hw, tmp, &hung, node) dma_fence_put(&hw->base);
  }
  mutex_unlock(&gdev->reset_lock);
  dma_fence_end_signalling(cookie);
  gdev->tdr_ticks.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

u64 fakegpu_now_ns() {
  return static_cast<u64>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

void fakegpu_tdr_main(struct fakegpu_device* gdev) {
  // At least one tick per run, the first at once: the worker's locking is
  // then in the graph whatever the run's length.
  for (;;) {
    fakegpu_tdr_tick(gdev);
    std::unique_lock<std::mutex> guard(gdev->tdr_wq.lock);
    if (gdev->tdr_wq.cv.wait_for(guard, kTdrPeriod,
                                 [gdev] { return gdev->tdr_stop.load(); })) {
      return;
    }
  }
}

int fakegpu_wait_ioctl(struct fakegpu_device* gdev, struct dma_fence* fence) {
  const bool bug = gdev->variant == Variant::kWaitUnderResetLock;
  // The bug: "no reset while we wait" -- but a hung job's fence signals
  // only through the reset this lock holds off.
  if (bug) mutex_lock(&gdev->reset_lock);
  const signed long ret = dma_fence_wait_timeout(fence, false,
                                                 MAX_SCHEDULE_TIMEOUT);
  if (bug) mutex_unlock(&gdev->reset_lock);
  return ret > 0 ? 0 : -ETIME;
}

}  // namespace fakegpu
