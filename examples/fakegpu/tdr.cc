// Timeout handling (TDR), drm_sched's shape: a delayed worker looks at the
// oldest hardware fence of each ring; past its deadline, with the hardware
// stuck on it, the job is guilty: its fence fails with -ETIME and signals,
// the ring is reset, and the jobs emitted behind it are resubmitted (the
// hardware runs them again, their fences unchanged, each with a new
// deadline), as drm_sched_resubmit_jobs() does. The worker holds the reset
// lock inside a signalling section (it signals fences). Also the wait
// ioctl, which user space uses to wait for a job.
#include <chrono>

#include "examples/fakegpu/driver.h"

namespace fakegpu {
namespace {

constexpr auto kTdrPeriod = std::chrono::milliseconds(5);

// One ring's recovery (reset lock held). A job that is merely slow (the
// hardware still moving) is left alone: the timer is re-armed, as
// drm_sched does when the job made progress.
void fakegpu_ring_recover(struct fakegpu_device* gdev,
                          struct fakegpu_ring* ring, u64 now) {
  struct fakegpu_hw_fence* guilty = nullptr;
  unsigned long flags;
  spin_lock_irqsave(&ring->lock, flags);
  if (!list_empty(&ring->hw_pending)) {
    struct fakegpu_hw_fence* head =
        list_entry(ring->hw_pending.next, struct fakegpu_hw_fence, node);
    // Emitted after `now` was read is not late.
    if (now >= head->emitted_ns &&
        now - head->emitted_ns >= gdev->job_timeout_ns.load() &&
        fakegpu_ring_hung_at(ring, head->base.seqno)) {
      guilty = head;
      list_del(&guilty->node);
      dma_fence_set_error(&guilty->base, -ETIME);
      dma_fence_signal_locked(&guilty->base);
      struct fakegpu_hw_fence* hw;
      list_for_each_entry(hw, &ring->hw_pending, node) {
        hw->emitted_ns = now;
        gdev->resubmitted.fetch_add(1, std::memory_order_relaxed);
      }
      gdev->timeouts.fetch_add(1, std::memory_order_relaxed);
    }
  }
  spin_unlock_irqrestore(&ring->lock, flags);
  if (!guilty) return;
  fakegpu_ring_reset(ring);
  dma_fence_put(&guilty->base);  // the ring's reference
}

void fakegpu_tdr_tick(struct fakegpu_device* gdev) {
  const bool cookie = dma_fence_begin_signalling();
  mutex_lock(&gdev->reset_lock);
  const u64 now = fakegpu_now_ns();
  for (int r = 0; r < gdev->num_rings; ++r) {
    fakegpu_ring_recover(gdev, &gdev->rings[r], now);
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
    if (!gdev->tdr_ticked) {
      gdev->tdr_ticked = true;
      gdev->tdr_wq.cv.notify_all();  // fakegpu_device_create() waits
    }
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
  const signed long ret =
      dma_fence_wait_timeout(fence, false, MAX_SCHEDULE_TIMEOUT);
  if (bug) mutex_unlock(&gdev->reset_lock);
  return ret > 0 ? 0 : -ETIME;
}

}  // namespace fakegpu
