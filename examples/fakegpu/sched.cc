// The scheduler, drm_sched style: one thread per ring takes the jobs in
// submission order, waits until a job's dependencies signalled, and calls
// run_job inside dma_fence_begin_signalling(), as Linux's
// drm_sched_run_job_work() does. The finished fence signals from the
// hardware fence's callback (fakegpu_job_done, in ring.cc).
#include "examples/fakegpu/driver.h"

namespace fakegpu {
namespace {

const char* sched_driver_name(struct dma_fence*) { return "fakegpu"; }
const char* sched_timeline_name(struct dma_fence* f) {
  return container_of(f, struct fakegpu_job, finished)->ring->sched_name;
}

// The last reference to the finished fence frees the job.
void sched_fence_release(struct dma_fence* f) {
  struct fakegpu_job* job = container_of(f, struct fakegpu_job, finished);
  struct fakegpu_device* gdev = job->ring->gdev;
  dma_fence_put(job->hw_fence);
  kfree(job->hw);  // never emitted (NULL once run_job used it)
  kfree(job->deps);
  kfree(job);
  gdev->jobs_released.fetch_add(1, std::memory_order_relaxed);
}

const struct dma_fence_ops sched_fence_ops = {
    .get_driver_name = sched_driver_name,
    .get_timeline_name = sched_timeline_name,
    .release = sched_fence_release,
};

// The head of the run queue once it may run; NULL when the queue is empty
// or its head still waits (waitq lock held).
struct fakegpu_job* ready_head(struct fakegpu_ring* ring) {
  if (list_empty(&ring->run_queue)) return nullptr;
  struct fakegpu_job* job =
      list_entry(ring->run_queue.next, struct fakegpu_job, queue_node);
  return job->deps_pending.load() == 0 ? job : nullptr;
}

// The driver's run_job: hands the job to the hardware, returns its fence.
// Runs inside the signalling section: everything here may be what the
// finished fence (and so reclaim, and every waiter) waits for.
struct dma_fence* fakegpu_run_job(struct fakegpu_job* job) {
  struct fakegpu_hw_fence* hw = job->hw;
  job->hw = nullptr;
  if (job->ring->gdev->variant == Variant::kAllocInRunJob) {
    // The bug: the hardware fence allocated here, GFP_KERNEL. Reclaim may
    // wait for this job's own finished fence (a shrinker waiting for the
    // buffers' fences), which only this thread can get signalled.
    kfree(hw);
    hw = fakegpu_hw_fence_alloc(job->ring->gdev, GFP_KERNEL);
  }
  hw->job = job;
  // The job's buffers were just used: the shrinker should pick others.
  mutex_lock(&job->ring->gdev->lru_lock);
  job->ring->gdev->lru_bumps += job->num_bos;
  mutex_unlock(&job->ring->gdev->lru_lock);
  return fakegpu_ring_emit(job->ring, hw);
}

}  // namespace

void fakegpu_wake_up(struct fakegpu_waitq* wq) {
  std::lock_guard<std::mutex> guard(wq->lock);
  wq->cv.notify_all();
}

void fakegpu_job_init_finished(struct fakegpu_job* job) {
  struct fakegpu_ring* ring = job->ring;
  // Seqno and queue order are one: the finished fences of a ring signal in
  // seqno order, as a timeline must.
  std::lock_guard<std::mutex> guard(ring->sched_wq.lock);
  // Its first reference is the queue's, dropped once the job ran.
  dma_fence_inplace_lock_init(&job->finished, &sched_fence_ops,
                              ring->sched_context, ++ring->sched_seqno);
  list_add_tail(&job->queue_node, &ring->run_queue);
}

void fakegpu_sched_wake_if_ready(struct fakegpu_job* job) {
  // Read before the count drops: from then on the job may run and be freed.
  struct fakegpu_ring* ring = job->ring;
  if (job->deps_pending.fetch_sub(1) == 1) fakegpu_wake_up(&ring->sched_wq);
}

void fakegpu_sched_main(struct fakegpu_ring* ring) {
  for (;;) {
    struct fakegpu_job* job;
    {
      std::unique_lock<std::mutex> guard(ring->sched_wq.lock);
      ring->sched_wq.cv.wait(guard, [ring] {
        return ready_head(ring) != nullptr ||
               (ring->stop.load() && list_empty(&ring->run_queue));
      });
      job = ready_head(ring);
      if (!job) return;  // stopped and drained
      list_del(&job->queue_node);
    }
    const bool cookie = dma_fence_begin_signalling();
    struct dma_fence* hw = fakegpu_run_job(job);
    job->hw_fence = hw;
    dma_fence_get(&job->finished);  // the callback's reference
    if (dma_fence_add_callback(hw, &job->hw_cb, fakegpu_job_done)) {
      fakegpu_job_done(hw, &job->hw_cb);  // the hardware was quicker
    }
    dma_fence_end_signalling(cookie);
    // The dependencies all signalled before the job ran.
    for (int i = 0; i < job->num_deps; ++i) dma_fence_put(job->deps[i].fence);
    job->num_deps = 0;
    dma_fence_put(&job->finished);  // the queue's reference
  }
}

}  // namespace fakegpu
