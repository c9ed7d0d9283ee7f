// The GPU driver example (examples/fakegpu/) as tour scenarios: the clean
// driver under a bounded load (with hung jobs the timeout worker recovers),
// then each bug, which must be reported the first time its path runs.
#include <cstdio>
#include <string>

#include "examples/fakegpu/fakegpu.h"
#include "examples/scenario.h"

namespace examples {
namespace {

// Runs a variant; 1 when the run does not add up (a job lost, signalled
// twice or leaked, a hang not recovered: fakegpu::StatsProblems), or the
// clean run never backed off (ww_inject must make it). The clean run also
// hangs the GPU every 40 jobs of a ring.
template <fakegpu::Variant kVariant, int kJobs = 100>
int RunGpuVariant() {
  fakegpu::Options options;
  options.variant = kVariant;
  options.jobs_per_submitter = kJobs;
  if (kVariant == fakegpu::Variant::kClean) {
    options.hang_every = 40;
    options.job_timeout_ms = 5;
  }
  const fakegpu::Stats s = fakegpu::RunGpu(options);
  char line[320];
  std::snprintf(line, sizeof(line),
                "fakegpu, variant %s: %ld jobs, %ld finished fences "
                "signalled (%ld again), %ld -EDEADLK back-offs, %ld hung "
                "(failed with -ETIME: %ld), %ld move_notify\n",
                fakegpu::VariantName(kVariant), s.jobs, s.finished_signalled,
                s.duplicate_signals, s.deadlock_backoffs, s.hangs,
                s.etime_errors, s.peer_move_notifies);
  Say(line);
  const std::string problems = fakegpu::StatsProblems(options, s);
  if (!problems.empty()) Say("the run does not add up: " + problems + "\n");
  if (kVariant == fakegpu::Variant::kClean && s.deadlock_backoffs == 0) {
    return 1;
  }
  return problems.empty() ? 0 : 1;
}

}  // namespace

std::vector<Scenario> GpuScenarios() {
  using lockdep::ReportKind;
  using fakegpu::Variant;
  return {
      {"gpu_clean", "GPU driver: submit, scheduler, interrupt, done right",
       "Submitters lock their buffers wound/wait style (ww_inject forces\n"
       "-EDEADLK back-offs), the scheduler runs jobs inside a fence\n"
       "signalling section, the interrupt signals fences under an irq-safe\n"
       "ring lock. Every 40th job of a ring hangs the GPU: the timeout\n"
       "worker fails it with -ETIME, resets the ring, the jobs behind it run\n"
       "again. Eviction spares the display's pinned buffer and tells the\n"
       "second GPU when its buffer moves. No report, every job's fence\n"
       "signalled once.",
       {}, "", "ww_inject=5", RunGpuVariant<Variant::kClean>},
      {"gpu_alloc_in_run_job", "GPU driver: GFP_KERNEL allocation in run_job",
       "run_job allocates the hardware fence with GFP_KERNEL. Reclaim may\n"
       "wait for the fence this very job signals: a cycle through fs_reclaim\n"
       "and dma_fence_map, found on the first job, memory short or not.",
       {ReportKind::kCircularDependency}, "fs_reclaim", "",
       RunGpuVariant<Variant::kAllocInRunJob>},
      {"gpu_resv_lock_in_irq",
       "GPU driver: a reservation lock taken in the interrupt handler",
       "The completion path updates a buffer under its reservation lock, in\n"
       "the interrupt, ring lock held. A sleeping lock in hard-irq context,\n"
       "used with irqs on elsewhere, after a lock that is irq-safe; and the\n"
       "reservation lock is held around allocations, which reclaim by\n"
       "waiting for fences this interrupt signals: three cycles, through the\n"
       "interrupt itself and through the shrinker's waits.",
       {ReportKind::kSleepInAtomic, ReportKind::kInconsistentLockState,
        ReportKind::kIrqSafeToUnsafe, ReportKind::kCircularDependency,
        ReportKind::kCircularDependency, ReportKind::kCircularDependency},
       "&ring->lock", "", RunGpuVariant<Variant::kResvLockInIrq>},
      {"gpu_ring_lock_irqs_on",
       "GPU driver: run_job takes the ring lock with irqs on",
       "The interrupt handler takes the ring lock; run_job takes it with\n"
       "plain spin_lock(). Reported when both uses are seen, not the day the\n"
       "interrupt lands inside run_job's section.",
       {ReportKind::kInconsistentLockState}, "", "",
       RunGpuVariant<Variant::kRingLockIrqsOn>},
      {"gpu_no_reserved_slot",
       "GPU driver: a job's fence added without a reserved slot",
       "The submit ioctl skips dma_resv_reserve_fences(): dma_resv_add_fence\n"
       "BUGs on the first submit, whether or not a slot happened to be free.",
       {ReportKind::kKernelBug}, "", "",
       RunGpuVariant<Variant::kNoReservedSlot>},
      {"gpu_evict_under_lru_lock",
       "GPU driver: eviction waits for fences holding the LRU lock",
       "The shrinker holds the LRU lock while it waits for buffers' fences;\n"
       "run_job takes that lock to bump its buffers. The fence may wait for\n"
       "the lock its waiter holds: reported on the first eviction. (The\n"
       "waits time out, so the real deadlock ends; few jobs, as each waits.)",
       {ReportKind::kCircularDependency}, "lru_lock", "",
       RunGpuVariant<Variant::kEvictUnderLruLock, 8>},
      {"gpu_wait_under_reset_lock",
       "GPU driver: waiting for a job holding the reset lock",
       "The wait ioctl holds the reset lock (\"no reset while we wait\")\n"
       "around the fence wait; the timeout worker takes that lock to fail\n"
       "hung jobs and signal their fences. A hung job would never end.",
       {ReportKind::kCircularDependency}, "reset_lock", "",
       RunGpuVariant<Variant::kWaitUnderResetLock>},
  };
}

}  // namespace examples
