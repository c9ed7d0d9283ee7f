// Runs the driver under a workload: submitter threads, each submitting jobs
// on random rings over random buffer sets, then a drain and the checks'
// numbers. Also the variants' names and the report each must get.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "examples/fakegpu/driver.h"

namespace fakegpu {
namespace {

struct VariantInfo {
  Variant variant;
  const char* name;
  bool reported;
  lockdep::ReportKind kind;
};

constexpr VariantInfo kVariants[] = {
    {Variant::kClean, "clean", false, lockdep::ReportKind::kCircularDependency},
    {Variant::kAllocInRunJob, "alloc_in_run_job", true,
     lockdep::ReportKind::kCircularDependency},
    {Variant::kResvLockInIrq, "resv_lock_in_irq", true,
     lockdep::ReportKind::kSleepInAtomic},
    {Variant::kRingLockIrqsOn, "ring_lock_irqs_on", true,
     lockdep::ReportKind::kInconsistentLockState},
    {Variant::kNoReservedSlot, "no_reserved_slot", true,
     lockdep::ReportKind::kKernelBug},
    {Variant::kEvictUnderLruLock, "evict_under_lru_lock", true,
     lockdep::ReportKind::kCircularDependency},
    {Variant::kWaitUnderResetLock, "wait_under_reset_lock", true,
     lockdep::ReportKind::kCircularDependency},
};

// A small deterministic generator per submitter (the workload is the same
// every run; only the interleaving differs).
struct Rng {
  u64 state;
  u32 next(u32 bound) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<u32>(state >> 33) % bound;
  }
};

void submitter(struct fakegpu_device* gdev, const Options& options, int id) {
  Rng rng{0x9e3779b97f4a7c15ull * static_cast<u64>(id + 1)};
  const int max = std::min(std::min(options.max_buffers_per_job, kMaxJobBuffers),
                           gdev->num_bos);
  for (int j = 0; j < options.jobs_per_submitter; ++j) {
    struct fakegpu_bo* bos[kMaxJobBuffers];
    bool write[kMaxJobBuffers];
    const int n = 1 + static_cast<int>(rng.next(static_cast<u32>(max)));
    // n distinct buffers: a random start, a random stride through a window.
    int chosen = 0;
    while (chosen < n) {
      struct fakegpu_bo* bo = &gdev->bos[rng.next(static_cast<u32>(gdev->num_bos))];
      bool dup = false;
      for (int k = 0; k < chosen; ++k) dup |= bos[k] == bo;
      if (dup) continue;
      write[chosen] = rng.next(2) == 0;
      bos[chosen++] = bo;
    }
    const int ring = static_cast<int>(rng.next(static_cast<u32>(gdev->num_rings)));
    const bool wait =
        options.wait_every > 0 && j % options.wait_every == 0;
    struct dma_fence* fence = nullptr;
    if (fakegpu_submit_ioctl(gdev, ring, bos, write, n,
                             wait ? &fence : nullptr) == 0 &&
        fence) {
      fakegpu_wait_ioctl(gdev, fence);
      dma_fence_put(fence);
    }
    if (options.evict_every > 0 && j % options.evict_every == 0) {
      fakegpu_shrink(gdev);
    }
  }
}

}  // namespace

Stats RunGpu(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  auto* gdev = new fakegpu_device;
  gdev->variant = options.variant;
  gdev->num_rings = options.rings;
  gdev->rings = new fakegpu_ring[static_cast<size_t>(options.rings)];
  gdev->num_bos = options.buffers;
  gdev->bos = new fakegpu_bo[static_cast<size_t>(options.buffers)];
  mutex_init(&gdev->lru_lock);
  gdev->lru_bumps = 0;
  mutex_init(&gdev->reset_lock);
  gdev->tdr_stop.store(false);
  for (int i = 0; i < gdev->num_bos; ++i) {
    dma_resv_init(&gdev->bos[i].resv);
    gdev->bos[i].id = i;
  }
  for (int r = 0; r < gdev->num_rings; ++r) {
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
  for (int r = 0; r < gdev->num_rings; ++r) {
    struct fakegpu_ring* ring = &gdev->rings[r];
    ring->hw_thread = std::thread(fakegpu_hw_main, ring);
    ring->sched_thread = std::thread(fakegpu_sched_main, ring);
  }

  gdev->tdr_thread = std::thread(fakegpu_tdr_main, gdev);

  std::vector<std::thread> submitters;
  for (int s = 0; s < options.submitters; ++s) {
    submitters.emplace_back(submitter, gdev, std::cref(options), s);
  }
  for (auto& t : submitters) t.join();

  // Drain: every scheduler runs what is queued (that needs every ring's
  // hardware), then the hardware stops once idle.
  for (int r = 0; r < gdev->num_rings; ++r) {
    struct fakegpu_ring* ring = &gdev->rings[r];
    ring->stop.store(true);
    fakegpu_wake_up(&ring->sched_wq);
  }
  for (int r = 0; r < gdev->num_rings; ++r) gdev->rings[r].sched_thread.join();
  for (int r = 0; r < gdev->num_rings; ++r) {
    struct fakegpu_ring* ring = &gdev->rings[r];
    ring->hw_stop.store(true);
    fakegpu_wake_up(&ring->hw_wq);
  }
  for (int r = 0; r < gdev->num_rings; ++r) gdev->rings[r].hw_thread.join();
  gdev->tdr_stop.store(true);
  fakegpu_wake_up(&gdev->tdr_wq);
  gdev->tdr_thread.join();

  Stats s;
  for (int i = 0; i < gdev->num_bos; ++i) {
    if (dma_resv_test_signaled(&gdev->bos[i].resv, DMA_RESV_USAGE_BOOKKEEP)) {
      ++s.buffers_idle;
    }
    dma_resv_fini(&gdev->bos[i].resv);  // the buffers' fence references
  }
  s.jobs = gdev->jobs.load();
  s.finished_signalled = gdev->finished_signalled.load();
  s.duplicate_signals = gdev->duplicate_signals.load();
  s.job_errors = gdev->job_errors.load();
  s.jobs_released = gdev->jobs_released.load();
  s.hw_fences_released = gdev->hw_fences_released.load();
  s.dependencies = gdev->dependencies.load();
  s.deadlock_backoffs = gdev->deadlock_backoffs.load();
  s.interrupts = gdev->interrupts.load();
  s.evictions = gdev->evictions.load();
  s.tdr_ticks = gdev->tdr_ticks.load();
  s.timeouts = gdev->timeouts.load();
  mutex_destroy(&gdev->lru_lock);
  mutex_destroy(&gdev->reset_lock);
  delete[] gdev->bos;
  delete[] gdev->rings;
  delete gdev;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            start)
                  .count();
  return s;
}

bool ParseVariant(const std::string& name, Variant* out) {
  for (const VariantInfo& v : kVariants) {
    if (name == v.name) {
      *out = v.variant;
      return true;
    }
  }
  return false;
}

const char* VariantName(Variant variant) {
  for (const VariantInfo& v : kVariants) {
    if (v.variant == variant) return v.name;
  }
  return "?";
}

std::string VariantNames() {
  std::string names;
  for (const VariantInfo& v : kVariants) {
    if (!names.empty()) names += '|';
    names += v.name;
  }
  return names;
}

bool ExpectedReport(Variant variant, lockdep::ReportKind* kind) {
  for (const VariantInfo& v : kVariants) {
    if (v.variant == variant) {
      *kind = v.kind;
      return v.reported;
    }
  }
  return false;
}

}  // namespace fakegpu
