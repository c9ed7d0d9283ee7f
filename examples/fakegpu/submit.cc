// The submit ioctl: drm_exec's wound/wait loop over the job's buffers,
// fence slots reserved, implicit sync from the buffers' fences, the job
// queued and its finished fence published, all in one locked section.
#include "core/dma-resv.h"
#include "examples/fakegpu/driver.h"

namespace fakegpu {
namespace {

void unlock_all(struct fakegpu_bo** bos, int n) {
  for (int i = 0; i < n; ++i) dma_resv_unlock(&bos[i]->resv);
}

// drm_exec_lock_obj() in a loop: locks every buffer under one acquire
// context. On -EDEADLK (an older transaction wants a lock this one holds)
// everything is dropped, the contended lock is taken with
// dma_resv_lock_slow() (it sleeps without holding anything) and the rest
// are taken again. Returns with all n locked.
void lock_all(struct fakegpu_device* gdev, struct fakegpu_bo** bos, int n,
              struct ww_acquire_ctx* ctx) {
  int contended = -1;
retry:
  for (int i = 0; i < n; ++i) {
    if (i == contended) continue;  // locked by dma_resv_lock_slow()
    const int ret = dma_resv_lock(&bos[i]->resv, ctx);
    if (ret == -EDEADLK) {
      gdev->deadlock_backoffs.fetch_add(1, std::memory_order_relaxed);
      unlock_all(bos, i);
      if (contended > i) dma_resv_unlock(&bos[contended]->resv);
      contended = i;
      dma_resv_lock_slow(&bos[contended]->resv, ctx);
      goto retry;
    }
  }
}

// The fences the job must wait for: a writer waits for every reader and
// writer, a reader for the writers (dma_resv_usage_rw()).
int collect_deps(struct fakegpu_job* job, struct fakegpu_bo** bos,
                 const bool* write, int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) {
    struct dma_resv_iter cursor;
    struct dma_fence* fence;
    dma_resv_for_each_fence(&cursor, &bos[i]->resv,
                            dma_resv_usage_rw(write[i]), fence) {
      ++count;
    }
  }
  job->deps = static_cast<struct fakegpu_dep*>(
      kzalloc((count ? count : 1) * sizeof(struct fakegpu_dep), GFP_KERNEL));
  if (!job->deps) return -ENOMEM;
  int k = 0;
  for (int i = 0; i < n; ++i) {
    struct dma_resv_iter cursor;
    struct dma_fence* fence;
    dma_resv_for_each_fence(&cursor, &bos[i]->resv,
                            dma_resv_usage_rw(write[i]), fence) {
      job->deps[k].fence = dma_fence_get(fence);
      job->deps[k].job = job;
      ++k;
    }
  }
  job->num_deps = k;
  return 0;
}

// A dependency signalled (any context, its fence lock held): one fewer to
// wait for.
void dep_signalled(struct dma_fence*, struct dma_fence_cb* cb) {
  fakegpu_sched_wake_if_ready(container_of(cb, struct fakegpu_dep, cb)->job);
}

}  // namespace

int fakegpu_submit_ioctl(struct fakegpu_device* gdev, int ring_index,
                         struct fakegpu_bo** bos, const bool* write, int n,
                         struct dma_fence** out_fence) {
  struct fakegpu_ring* ring = &gdev->rings[ring_index];
  // Allocations that can wait for reclaim come before any fence of this
  // job exists, and the hardware fence is allocated here, not in run_job.
  auto* job = static_cast<struct fakegpu_job*>(
      kzalloc(sizeof(struct fakegpu_job), GFP_KERNEL));
  if (!job) return -ENOMEM;
  job->hw = fakegpu_hw_fence_alloc(gdev, GFP_KERNEL);
  if (!job->hw) {
    kfree(job);
    return -ENOMEM;
  }
  job->ring = ring;
  job->num_bos = n;
  for (int i = 0; i < n; ++i) job->bos[i] = bos[i];

  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &reservation_ww_class);
  lock_all(gdev, bos, n, &ctx);
  ww_acquire_done(&ctx);

  int ret = 0;
  if (gdev->variant != Variant::kNoReservedSlot) {
    for (int i = 0; i < n && !ret; ++i) {
      ret = dma_resv_reserve_fences(&bos[i]->resv, 1);
    }
  }
  if (!ret) ret = collect_deps(job, bos, write, n);
  if (ret) {
    unlock_all(bos, n);
    ww_acquire_fini(&ctx);
    kfree(job->deps);
    kfree(job->hw);
    kfree(job);
    return ret;
  }
  gdev->dependencies.fetch_add(job->num_deps, std::memory_order_relaxed);

  // Queued before the fence is published: whoever depends on this job finds
  // it ahead of them in its ring, so the rings cannot wait for each other
  // in a circle. It runs once the extra count below is dropped.
  job->deps_pending.store(job->num_deps + 1);
  fakegpu_job_init_finished(job);
  for (int i = 0; i < job->num_deps; ++i) {
    if (dma_fence_add_callback(job->deps[i].fence, &job->deps[i].cb,
                               dep_signalled)) {
      job->deps_pending.fetch_sub(1);  // already signalled
    }
  }
  for (int i = 0; i < n; ++i) {
    dma_resv_add_fence(&bos[i]->resv, &job->finished,
                       write[i] ? DMA_RESV_USAGE_WRITE : DMA_RESV_USAGE_READ);
  }
  // The out fence is taken while the job cannot run yet, so cannot be freed.
  if (out_fence) *out_fence = dma_fence_get(&job->finished);
  unlock_all(bos, n);
  ww_acquire_fini(&ctx);
  gdev->jobs.fetch_add(1, std::memory_order_relaxed);
  fakegpu_sched_wake_if_ready(job);
  return 0;
}

}  // namespace fakegpu
