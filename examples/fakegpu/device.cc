// The device's life: its rings, buffers and threads brought up in an order
// that puts every path's locking in the graph before the first job, and
// taken down after every queued job ran, so nothing is lost at the end.
#include <cstdio>

#include "examples/fakegpu/driver.h"

namespace fakegpu {
namespace {

void init_ring(struct fakegpu_device* gdev, int r) {
  struct fakegpu_ring* ring = &gdev->rings[r];
  ring->gdev = gdev;
  ring->index = r;
  std::snprintf(ring->hw_name, sizeof(ring->hw_name), "ring%d", r);
  std::snprintf(ring->sched_name, sizeof(ring->sched_name), "ring%d.finished",
                r);
  spin_lock_init(&ring->lock);
  INIT_LIST_HEAD(&ring->hw_pending);
  ring->hw_context = dma_fence_context_alloc(1);
  ring->hw_seqno = 0;
  ring->hw_completed.store(0);
  ring->hw_emitted.store(0);
  ring->hw_stop.store(false);
  INIT_LIST_HEAD(&ring->run_queue);
  ring->sched_context = dma_fence_context_alloc(1);
  ring->sched_seqno = 0;
  ring->stop.store(false);
}

// A thread of the device: with validation off when the run measures what
// validation costs (lockdep_off() is per thread).
template <typename Fn, typename Arg>
std::thread device_thread(const struct fakegpu_device* gdev, Fn fn, Arg arg) {
  const bool validate = gdev->validate;
  return std::thread([validate, fn, arg] {
    if (!validate) lockdep_off();
    fn(arg);
  });
}

}  // namespace

struct fakegpu_device* fakegpu_device_create(const Options& options) {
  auto* gdev = new fakegpu_device;
  gdev->variant = options.variant;
  gdev->validate = options.validate;
  gdev->num_rings = options.rings;
  gdev->rings = new fakegpu_ring[static_cast<size_t>(options.rings)];
  gdev->num_bos = options.buffers;
  gdev->bos = new fakegpu_bo[static_cast<size_t>(options.buffers)];
  mutex_init(&gdev->lru_lock);
  gdev->lru_bumps = 0;
  mutex_init(&gdev->reset_lock);
  gdev->job_timeout_ns = static_cast<u64>(options.job_timeout_ms) * 1000000;
  gdev->hang_every = options.hang_every;
  gdev->tdr_ticked = false;
  gdev->tdr_stop.store(false);
  for (int i = 0; i < gdev->num_bos; ++i) {
    struct fakegpu_bo* bo = &gdev->bos[i];
    dma_resv_init(&bo->resv);
    bo->id = i;
    bo->dmabuf = nullptr;
    bo->pin_count = 0;
    bo->evictions = 0;
  }
  for (int r = 0; r < gdev->num_rings; ++r) init_ring(gdev, r);
  // Other devices share the first two buffers through dma-buf: a display
  // scans out bos[0], a second GPU renders into bos[1].
  gdev->display = nullptr;
  gdev->peer = nullptr;
  if (gdev->num_bos >= 2 && fakegpu_bo_export(&gdev->bos[0]) &&
      fakegpu_bo_export(&gdev->bos[1])) {
    gdev->display = fakegpu_importer_create(&gdev->bos[0], "display", false);
    gdev->peer = fakegpu_importer_create(&gdev->bos[1], "peer-gpu", true);
  }
  for (int r = 0; r < gdev->num_rings; ++r) {
    struct fakegpu_ring* ring = &gdev->rings[r];
    ring->hw_thread = device_thread(gdev, fakegpu_hw_main, ring);
    ring->sched_thread = device_thread(gdev, fakegpu_sched_main, ring);
  }
  gdev->tdr_thread = device_thread(gdev, fakegpu_tdr_main, gdev);
  // Each path's locking is then in the graph in one order on every run,
  // whatever the threads' timing: a variant's reports do not vary.
  std::unique_lock<std::mutex> guard(gdev->tdr_wq.lock);
  gdev->tdr_wq.cv.wait(guard, [gdev] { return gdev->tdr_ticked; });
  return gdev;
}

void fakegpu_device_destroy(struct fakegpu_device* gdev, Stats* s) {
  // Drain: every scheduler runs what is queued (that needs every ring's
  // hardware), then the hardware stops once idle (the timeout worker still
  // runs: a hung ring idles only after its reset).
  for (int r = 0; r < gdev->num_rings; ++r) {
    struct fakegpu_ring* ring = &gdev->rings[r];
    ring->stop.store(true);
    fakegpu_wake_up(&ring->sched_wq);
  }
  for (int r = 0; r < gdev->num_rings; ++r) gdev->rings[r].sched_thread.join();
  for (int r = 0; r < gdev->num_rings; ++r) {
    struct fakegpu_ring* ring = &gdev->rings[r];
    {
      std::lock_guard<std::mutex> guard(ring->hw_wq.lock);
      ring->hw_stop.store(true);
    }
    fakegpu_wake_up(&ring->hw_wq);
  }
  for (int r = 0; r < gdev->num_rings; ++r) gdev->rings[r].hw_thread.join();
  {
    std::lock_guard<std::mutex> guard(gdev->tdr_wq.lock);
    gdev->tdr_stop.store(true);
  }
  fakegpu_wake_up(&gdev->tdr_wq);
  gdev->tdr_thread.join();

  if (gdev->display) {
    const struct fakegpu_importer_stats d =
        fakegpu_importer_stats(gdev->display);
    s->display_maps = d.maps;
    fakegpu_importer_destroy(gdev->display);
  }
  if (gdev->peer) {
    const struct fakegpu_importer_stats p = fakegpu_importer_stats(gdev->peer);
    s->peer_maps = p.maps;
    s->peer_move_notifies = p.move_notifies;
    s->peer_bo_evictions = gdev->bos[1].evictions;
    fakegpu_importer_destroy(gdev->peer);
  }
  for (int i = 0; i < gdev->num_bos; ++i) {
    struct fakegpu_bo* bo = &gdev->bos[i];
    if (dma_resv_test_signaled(&bo->resv, DMA_RESV_USAGE_BOOKKEEP)) {
      ++s->buffers_idle;
    }
    if (bo->dmabuf) dma_buf_put(bo->dmabuf);  // the export's reference
    dma_resv_fini(&bo->resv);  // the buffers' fence references
  }
  for (int r = 0; r < gdev->num_rings; ++r) {
    if (gdev->hang_every > 0) {
      s->hangs += static_cast<long>(gdev->rings[r].hw_seqno /
                                    static_cast<u64>(gdev->hang_every));
    }
  }
  s->jobs = gdev->jobs.load();
  s->finished_signalled = gdev->finished_signalled.load();
  s->duplicate_signals = gdev->duplicate_signals.load();
  s->job_errors = gdev->job_errors.load();
  s->etime_errors = gdev->etime_errors.load();
  s->jobs_released = gdev->jobs_released.load();
  s->hw_fences_released = gdev->hw_fences_released.load();
  s->dependencies = gdev->dependencies.load();
  s->deadlock_backoffs = gdev->deadlock_backoffs.load();
  s->interrupts = gdev->interrupts.load();
  s->evictions = gdev->evictions.load();
  s->evictions_pinned = gdev->pinned_skips.load();
  s->tdr_ticks = gdev->tdr_ticks.load();
  s->timeouts = gdev->timeouts.load();
  s->resubmitted = gdev->resubmitted.load();
  mutex_destroy(&gdev->lru_lock);
  mutex_destroy(&gdev->reset_lock);
  delete[] gdev->bos;
  delete[] gdev->rings;
  delete gdev;
}

}  // namespace fakegpu
