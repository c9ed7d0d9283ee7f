// Runs the driver under a workload: submitter threads, each submitting jobs
// on random rings over random buffer sets, then a drain and the checks'
// numbers. Also the variants' names and the report each must get.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/sync_file.h"
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

struct SubmitterResult {
  long timeline_points = 0;
  long timeline_checks = 0;
  long timeline_mismatches = 0;
  long sync_file_mismatches = 0;
};

// What user space checks at a wait: the timeline's `point` is job `fence`
// (the node for exactly that point, holding that fence, unless everything
// up to it already signalled), waiting for the point leaves the job's fence
// signalled, and a sync_file exported before the wait polls ready after it
// and holds the same fence.
void check_point(struct fakegpu_syncobj* timeline, u64 point,
                 struct dma_fence* fence, SubmitterResult* r) {
  struct sync_file* file = fakegpu_fence_export_sync_file(fence);
  if (file) sync_file_poll(file);  // arms its callback, ready or not
  struct dma_fence* wait = fakegpu_syncobj_find_fence(timeline, point);
  ++r->timeline_checks;
  if (IS_ERR(wait)) {
    ++r->timeline_mismatches;
    wait = nullptr;
  } else if (wait && (wait->seqno != point ||
                      dma_fence_chain_contained(wait) != fence)) {
    ++r->timeline_mismatches;
  }
  if (wait) {
    dma_fence_wait(wait, false);
    dma_fence_put(wait);
  }
  if (!dma_fence_is_signaled(fence)) ++r->timeline_mismatches;
  if (file) {
    struct dma_fence* held = sync_file_get_fence(file);
    if (held != fence || sync_file_poll(file) != EPOLLIN) {
      ++r->sync_file_mismatches;
    }
    dma_fence_put(held);
    sync_file_put(file);
  }
}

void submitter(struct fakegpu_device* gdev, const Options& options, int id,
               SubmitterResult* result) {
  Rng rng{0x9e3779b97f4a7c15ull * static_cast<u64>(id + 1)};
  const int max = std::min(std::min(options.max_buffers_per_job, kMaxJobBuffers),
                           gdev->num_bos);
  struct fakegpu_syncobj timeline;
  fakegpu_syncobj_init(&timeline);
  for (int j = 0; j < options.jobs_per_submitter; ++j) {
    struct fakegpu_bo* bos[kMaxJobBuffers];
    bool write[kMaxJobBuffers];
    const int n = 1 + static_cast<int>(rng.next(static_cast<u32>(max)));
    // n distinct buffers, each read or written at random.
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
    const bool want_fence = wait || options.timelines;
    if (fakegpu_submit_ioctl(gdev, ring, bos, write, n,
                             want_fence ? &fence : nullptr) == 0 &&
        fence) {
      const u64 point = static_cast<u64>(j) + 1;
      if (options.timelines &&
          fakegpu_syncobj_add_point(&timeline, fence, point) == 0) {
        ++result->timeline_points;
      }
      // Every other wait goes through the timeline point and a sync_file,
      // checking that both name this job.
      if (wait && options.timelines && (j / options.wait_every) % 2 == 1) {
        check_point(&timeline, point, fence, result);
      } else if (wait) {
        fakegpu_wait_ioctl(gdev, fence);
      }
      dma_fence_put(fence);
    }
    if (options.evict_every > 0 && j % options.evict_every == 0) {
      fakegpu_shrink(gdev);
      // The second GPU renders: maps its buffer again if eviction moved it.
      if (gdev->peer) fakegpu_importer_use(gdev->peer);
    }
  }
  fakegpu_syncobj_fini(&timeline);
}

}  // namespace

Stats RunGpu(const Options& options) {
  const auto start = std::chrono::steady_clock::now();
  struct fakegpu_device* gdev = fakegpu_device_create(options);
  std::vector<std::thread> submitters;
  std::vector<SubmitterResult> results(static_cast<size_t>(options.submitters));
  for (int s = 0; s < options.submitters; ++s) {
    submitters.emplace_back([gdev, &options, s, &results] {
      if (!options.validate) lockdep_off();
      submitter(gdev, options, s, &results[static_cast<size_t>(s)]);
    });
  }
  for (auto& t : submitters) t.join();
  Stats s;
  fakegpu_device_destroy(gdev, &s);
  for (const SubmitterResult& r : results) {
    s.timeline_points += r.timeline_points;
    s.timeline_checks += r.timeline_checks;
    s.timeline_mismatches += r.timeline_mismatches;
    s.sync_file_mismatches += r.sync_file_mismatches;
  }
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
