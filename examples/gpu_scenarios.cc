// The GPU driver example (examples/fakegpu/) as tour scenarios: the clean
// driver under a bounded load, then each bug, which must be reported the
// first time its path runs. Not resv_lock_in_irq: beyond its three reports
// it may make three more (an irq-safe -> unsafe order, two more cycles),
// depending on the order the threads first meet, and a tour scenario
// states its reports exactly; tests/fakegpu_test checks it.
#include <cstdio>

#include "examples/fakegpu/fakegpu.h"
#include "examples/scenario.h"

namespace examples {
namespace {

// Runs a variant; 1 when a job was lost, signalled twice or leaked, or the
// clean run never backed off (ww_inject must make it).
template <fakegpu::Variant kVariant, int kJobs = 100>
int RunGpuVariant() {
  fakegpu::Options options;
  options.variant = kVariant;
  options.jobs_per_submitter = kJobs;
  const fakegpu::Stats s = fakegpu::RunGpu(options);
  char line[240];
  std::snprintf(line, sizeof(line),
                "fakegpu, variant %s: %ld jobs, %ld finished fences "
                "signalled (%ld again), %ld -EDEADLK back-offs\n",
                fakegpu::VariantName(kVariant), s.jobs, s.finished_signalled,
                s.duplicate_signals, s.deadlock_backoffs);
  Say(line);
  const bool once = s.jobs == s.finished_signalled &&
                    s.duplicate_signals == 0 && s.jobs_released == s.jobs &&
                    s.hw_fences_released == s.jobs;
  if (kVariant == fakegpu::Variant::kClean && s.deadlock_backoffs == 0) {
    return 1;
  }
  return once ? 0 : 1;
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
       "ring lock. No report, every job's fence signalled once.",
       {}, "", "ww_inject=5", RunGpuVariant<Variant::kClean>},
      {"gpu_alloc_in_run_job", "GPU driver: GFP_KERNEL allocation in run_job",
       "run_job allocates the hardware fence with GFP_KERNEL. Reclaim may\n"
       "wait for the fence this very job signals: a cycle through fs_reclaim\n"
       "and dma_fence_map, found on the first job, memory short or not.",
       {ReportKind::kCircularDependency}, "fs_reclaim", "",
       RunGpuVariant<Variant::kAllocInRunJob>},
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
