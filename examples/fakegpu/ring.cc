// The "hardware": per ring, a thread that completes what was emitted,
// writes the last seqno back and raises an interrupt; the handler signals
// the completed hardware fences under the ring lock, and each hardware
// fence's callback signals its job's finished fence, still in the
// interrupt, as drm_sched_job_done() does.
#include <algorithm>

#include "examples/fakegpu/driver.h"

namespace fakegpu {
namespace {

const char* hw_driver_name(struct dma_fence*) { return "fakegpu"; }
const char* hw_timeline_name(struct dma_fence* f) {
  return container_of(f, struct fakegpu_hw_fence, base)->ring->hw_name;
}

void hw_fence_release(struct dma_fence* f) {
  struct fakegpu_hw_fence* hw = container_of(f, struct fakegpu_hw_fence, base);
  hw->gdev->hw_fences_released.fetch_add(1, std::memory_order_relaxed);
  kfree(hw);
}

const struct dma_fence_ops hw_fence_ops = {
    .get_driver_name = hw_driver_name,
    .get_timeline_name = hw_timeline_name,
    .release = hw_fence_release,
};

// The interrupt handler: in hard-irq context (irqs off), as Linux's fence
// processing in a GPU's irq handler.
void fakegpu_irq_handler(struct fakegpu_ring* ring) {
  const u64 completed = ring->hw_completed.load(std::memory_order_acquire);
  LIST_HEAD(done);
  unsigned long flags;
  spin_lock_irqsave(&ring->lock, flags);
  struct fakegpu_hw_fence *hw, *tmp;
  list_for_each_entry_safe(hw, tmp, &ring->hw_pending, node) {
    if (hw->base.seqno > completed) break;
    if (ring->gdev->variant == Variant::kResvLockInIrq) {
      // The bug: the handler updates the job's buffer under its
      // reservation lock, a sleeping lock that is held elsewhere around
      // allocations and fence waits, which this interrupt must end.
      struct dma_resv* resv = &hw->job->bos[0]->resv;
      dma_resv_lock(resv, nullptr);
      dma_resv_unlock(resv);
    }
    list_del(&hw->node);
    dma_fence_signal_locked(&hw->base);
    list_add_tail(&hw->node, &done);
  }
  spin_unlock_irqrestore(&ring->lock, flags);
  // The ring's references, dropped outside its lock.
  list_for_each_entry_safe(hw, tmp, &done, node) dma_fence_put(&hw->base);
}

}  // namespace

struct fakegpu_hw_fence* fakegpu_hw_fence_alloc(struct fakegpu_device* gdev,
                                                gfp_t gfp) {
  auto* hw = static_cast<struct fakegpu_hw_fence*>(
      kzalloc(sizeof(struct fakegpu_hw_fence), gfp));
  if (hw) hw->gdev = gdev;
  return hw;
}

struct dma_fence* fakegpu_ring_emit(struct fakegpu_ring* ring,
                                    struct fakegpu_hw_fence* hw) {
  unsigned long flags = 0;
  hw->ring = ring;
  if (ring->gdev->variant == Variant::kRingLockIrqsOn) {
    // The bug: the ring lock with irqs on, while the interrupt handler
    // takes it too. The interrupt arriving on this CPU now spins forever.
    spin_lock(&ring->lock);
  } else {
    spin_lock_irqsave(&ring->lock, flags);
  }
  dma_fence_init(&hw->base, &hw_fence_ops, &ring->lock, ring->hw_context,
                 ++ring->hw_seqno);
  hw->emitted_ns = fakegpu_now_ns();
  dma_fence_get(&hw->base);  // the ring's, until the interrupt signals it
  list_add_tail(&hw->node, &ring->hw_pending);
  const int hang_every = ring->gdev->hang_every;
  if (hang_every > 0 && hw->base.seqno % static_cast<u64>(hang_every) == 0) {
    // A command stream that hangs the GPU, known to the "hardware" before
    // it can see the seqno.
    std::lock_guard<std::mutex> guard(ring->hw_wq.lock);
    ring->hw_hangs.push_back(hw->base.seqno);
  }
  ring->hw_emitted.store(hw->base.seqno, std::memory_order_release);
  if (ring->gdev->variant == Variant::kRingLockIrqsOn) {
    spin_unlock(&ring->lock);
  } else {
    spin_unlock_irqrestore(&ring->lock, flags);
  }
  fakegpu_wake_up(&ring->hw_wq);
  return &hw->base;
}

void fakegpu_job_done(struct dma_fence* hw, struct dma_fence_cb* cb) {
  struct fakegpu_job* job = container_of(cb, struct fakegpu_job, hw_cb);
  struct fakegpu_device* gdev = job->ring->gdev;
  if (hw->error) {
    dma_fence_set_error(&job->finished, hw->error);
    gdev->job_errors.fetch_add(1, std::memory_order_relaxed);
    if (hw->error == -ETIME) {
      gdev->etime_errors.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (dma_fence_signal(&job->finished) == 0) {
    gdev->finished_signalled.fetch_add(1, std::memory_order_relaxed);
  } else {
    gdev->duplicate_signals.fetch_add(1, std::memory_order_relaxed);
  }
  dma_fence_put(&job->finished);  // the callback's reference
}

namespace {

// How far the hardware can get: everything emitted, or up to the first hang
// (hw_wq.lock held).
u64 runnable_until(struct fakegpu_ring* ring) {
  const u64 emitted = ring->hw_emitted.load();
  if (ring->hw_hangs.empty()) return emitted;
  return std::min(emitted, ring->hw_hangs.front() - 1);
}

}  // namespace

void fakegpu_hw_main(struct fakegpu_ring* ring) {
  for (;;) {
    u64 target;
    {
      std::unique_lock<std::mutex> guard(ring->hw_wq.lock);
      // Stops only when idle: a hung ring waits for its reset first.
      ring->hw_wq.cv.wait(guard, [ring] {
        return runnable_until(ring) > ring->hw_completed.load() ||
               (ring->hw_stop.load() &&
                ring->hw_completed.load() >= ring->hw_emitted.load());
      });
      target = runnable_until(ring);
      if (target <= ring->hw_completed.load()) return;  // stopped, idle
    }
    // The GPU runs what it can and writes back the last seqno done.
    udelay(20);
    {
      std::lock_guard<std::mutex> guard(ring->hw_wq.lock);
      if (target > ring->hw_completed.load()) {
        ring->hw_completed.store(target, std::memory_order_release);
      }
    }
    ring->gdev->interrupts.fetch_add(1, std::memory_order_relaxed);
    irq_enter();
    fakegpu_irq_handler(ring);
    irq_exit();
  }
}

bool fakegpu_ring_hung_at(struct fakegpu_ring* ring, u64 seqno) {
  std::lock_guard<std::mutex> guard(ring->hw_wq.lock);
  return !ring->hw_hangs.empty() && ring->hw_hangs.front() == seqno &&
         ring->hw_completed.load() + 1 == seqno;
}

void fakegpu_ring_reset(struct fakegpu_ring* ring) {
  {
    std::lock_guard<std::mutex> guard(ring->hw_wq.lock);
    // The hung job is skipped: the hardware's write-back passes it.
    const u64 hung = ring->hw_hangs.front();
    ring->hw_hangs.pop_front();
    if (ring->hw_completed.load() < hung) {
      ring->hw_completed.store(hung, std::memory_order_release);
    }
  }
  fakegpu_wake_up(&ring->hw_wq);
}

}  // namespace fakegpu
