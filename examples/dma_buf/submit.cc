// Command submission that reserves several buffers at once: every job locks
// the reservation objects of the buffers it uses with one acquire context,
// in whatever order its command stream names them, backing off with
// -EDEADLK and ww_mutex_lock_slow() when it loses to an older job; then adds
// its fence to each buffer and lets the "GPU" signal it. Several submitters
// race on shared buffers. Clean, with or without LOCKDEP_OPTIONS=ww_inject=N
// (which makes every Nth multi-lock back off, so the loop below really runs).
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/dma-buf.h"
#include "examples/dma_buf/heaps.h"
#include "examples/dma_buf/scenarios.h"
#include "examples/scenario.h"
#include "instrument/kernel.h"

namespace examples::dma {
namespace {

constexpr int kBuffers = 6;
constexpr int kPerJob = 3;
constexpr int kSubmitters = 3;
constexpr int kJobsEach = 100;

const char* driver_name(struct dma_fence*) { return "gpu"; }
const char* timeline_name(struct dma_fence*) { return "ring"; }
const struct dma_fence_ops job_fence_ops = {
    .get_driver_name = driver_name,
    .get_timeline_name = timeline_name,
};

std::atomic<long> backoffs{0};

// Unlocks the first `n` of bufs (and `slow`, locked out of order, once).
void unlock_reserved(struct dma_buf** bufs, int n, struct dma_buf* slow) {
  for (int i = 0; i < n; ++i) {
    if (bufs[i] != slow) dma_resv_unlock(bufs[i]->resv);
  }
  if (slow) dma_resv_unlock(slow->resv);
}

// Locks every buffer of the job; on -EDEADLK drops them all, sleeps on the
// contended one and starts over, as every drm driver does.
void reserve_all(struct dma_buf** bufs, struct ww_acquire_ctx* ctx) {
  struct dma_buf* slow = nullptr;  // locked by lock_slow, not yet in order
  for (;;) {
    int i = 0;
    for (; i < kPerJob; ++i) {
      if (bufs[i] == slow) continue;
      if (dma_resv_lock(bufs[i]->resv, ctx) == -EDEADLK) break;
    }
    if (i == kPerJob) return;
    backoffs++;
    unlock_reserved(bufs, i, slow);
    slow = bufs[i];
    dma_resv_lock_slow(slow->resv, ctx);
  }
}

void submit_job(struct dma_buf** bufs, u64 context, u64 seqno) {
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, &reservation_ww_class);
  reserve_all(bufs, &ctx);
  ww_acquire_done(&ctx);

  auto* fence = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  dma_fence_init(fence, &job_fence_ops, nullptr, context, seqno);
  for (int i = 0; i < kPerJob; ++i) {
    dma_resv_assert_held(bufs[i]->resv);
    if (dma_resv_reserve_fences(bufs[i]->resv, 1) == 0) {
      dma_resv_add_fence(bufs[i]->resv, fence, DMA_RESV_USAGE_WRITE);
    }
  }
  for (int i = 0; i < kPerJob; ++i) dma_resv_unlock(bufs[i]->resv);
  ww_acquire_fini(&ctx);

  // The GPU finishes the job.
  const bool cookie = dma_fence_begin_signalling();
  dma_fence_signal(fence);
  dma_fence_end_signalling(cookie);
  dma_fence_put(fence);
}

}  // namespace

int MultiBufferSubmit() {
  struct dma_buf* pool[kBuffers];
  for (int i = 0; i < kBuffers; ++i) {
    pool[i] = vram_alloc(64 << 10, absl::StrFormat("bo%d", i).c_str());
  }
  backoffs = 0;
  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitters; ++t) {
    submitters.emplace_back([&pool, t] {
      const u64 context = dma_fence_context_alloc(1);
      for (int j = 0; j < kJobsEach; ++j) {
        // Each job names its buffers in its own order.
        struct dma_buf* bufs[kPerJob];
        for (int k = 0; k < kPerJob; ++k) {
          const int step = t % 2 ? kBuffers - 1 : 1;
          bufs[k] = pool[(t + j + k * step) % kBuffers];
        }
        submit_job(bufs, context, static_cast<u64>(j + 1));
      }
    });
  }
  for (auto& s : submitters) s.join();

  // A CPU reader waits for the last writer of each buffer, holding nothing.
  int idle = 0;
  for (struct dma_buf* buf : pool) {
    if (dma_buf_begin_cpu_access(buf, DMA_FROM_DEVICE) == 0) idle++;
    dma_buf_end_cpu_access(buf, DMA_FROM_DEVICE);
    dma_buf_put(buf);
  }
  const int inject = lockdep_ww_inject_interval();
  Say(absl::StrFormat(
      "  %d jobs of %d buffers each on %d threads: %ld back-offs "
      "(ww_inject=%d); %d of %d buffers idle afterwards\n",
      kSubmitters * kJobsEach, kPerJob, kSubmitters, backoffs.load(), inject,
      idle, kBuffers));
  if (inject > 0 && backoffs.load() == 0) {
    Say("  ww_inject is on, yet no job backed off: the back-off path never "
        "ran\n");
    return 1;
  }
  return idle == kBuffers ? 0 : 1;
}

}  // namespace examples::dma
