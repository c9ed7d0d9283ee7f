// A GPU driver in kernel style on the dma-buf core (core/) and the
// kernel-style locks (instrument/kernel.h): a submit ioctl that locks its
// buffers' reservation objects wound/wait style, a drm_sched-style scheduler
// thread per ring, and a "hardware" thread per ring that raises an interrupt
// whose handler signals the ring's hardware fences. Each Variant other than
// kClean is one mistake GPU drivers have shipped, one deviation from the
// clean driver (its twin), which lockdep reports the first time the path
// runs.
#ifndef LOCKDEP_EXAMPLES_FAKEGPU_FAKEGPU_H_
#define LOCKDEP_EXAMPLES_FAKEGPU_FAKEGPU_H_

#include <string>

#include "runtime/report.h"

namespace fakegpu {

enum class Variant {
  kClean,
  // run_job allocates the hardware fence with GFP_KERNEL inside
  // dma_fence_begin_signalling(): reclaim may wait for the very fence.
  kAllocInRunJob,
  // The completion path (the interrupt handler, ring lock held) takes a
  // buffer's reservation lock.
  kResvLockInIrq,
  // run_job takes the ring lock with spin_lock(), irqs on, while the
  // interrupt handler takes it too.
  kRingLockIrqsOn,
  // The submit ioctl adds the job's fence without dma_resv_reserve_fences().
  kNoReservedSlot,
  // Eviction waits for a buffer's fences holding the LRU lock, which
  // run_job takes.
  kEvictUnderLruLock,
  // The wait ioctl waits for a job's fence holding the reset lock, which
  // the timeout (TDR) worker takes to recover the rings.
  kWaitUnderResetLock,
};

struct Options {
  Variant variant = Variant::kClean;
  int rings = 2;
  int submitters = 2;            // threads issuing the submit ioctl
  int jobs_per_submitter = 100;
  int buffers = 8;               // shared by every submitter
  int max_buffers_per_job = 3;
  // Each submitter runs the shrinker (direct reclaim) after every this many
  // of its submits, the first included.
  int evict_every = 32;
  // Each submitter waits for its job with the wait ioctl after every this
  // many of its submits, the first included.
  int wait_every = 16;
  // Every this many hardware fences of a ring, the "GPU" hangs on the job
  // (0: never). The timeout worker fails it with -ETIME after
  // job_timeout_ms and resets the ring; the jobs behind it run again.
  int hang_every = 0;
  int job_timeout_ms = 100;
  // Each submitter publishes its jobs as points of a timeline (a
  // dma_fence_chain) and, at each wait, checks the point and a sync_file
  // export of the job's fence.
  bool timelines = true;
  // false: every thread of the run turns lockdep off (lockdep_off()), to
  // measure what validation costs.
  bool validate = true;
};

// What a run did. A clean run has jobs == finished_signalled ==
// jobs_released == hw_fences_released, no duplicates, no errors (a run with
// hangs: job_errors == etime_errors == timeouts == hangs), buffers_idle ==
// buffers, and no timeline or sync_file mismatch.
struct Stats {
  long jobs = 0;                // submitted
  long finished_signalled = 0;  // finished fences signalled (first time)
  long duplicate_signals = 0;   // a finished fence signalled again
  long job_errors = 0;          // finished fences signalled with an error
  long jobs_released = 0;       // finished fences freed (last reference)
  long hw_fences_released = 0;
  long dependencies = 0;        // implicit-sync fences a job waited for
  long deadlock_backoffs = 0;   // -EDEADLK from dma_resv_lock, backed off
  long interrupts = 0;
  long evictions = 0;           // buffers the shrinker waited idle
  long tdr_ticks = 0;           // runs of the timeout worker
  long timeouts = 0;            // hardware fences it found hung
  long hangs = 0;               // hardware fences that hung the GPU
  long resubmitted = 0;         // jobs run again after a ring reset
  long etime_errors = 0;        // finished fences signalled with -ETIME
  long evictions_pinned = 0;    // evictions skipped: a static importer
  long display_maps = 0;        // the display's map_dma_buf calls
  long peer_maps = 0;           // the second GPU's (dynamic importer)
  long peer_move_notifies = 0;
  long peer_bo_evictions = 0;   // evictions of the buffer it imports
  long timeline_points = 0;     // points added to the submitters' timelines
  long timeline_checks = 0;     // points waited for and checked
  long timeline_mismatches = 0; // a point not its job's fence, or unsignalled
  long sync_file_mismatches = 0;
  int buffers_idle = 0;         // buffers whose fences all signalled at the end
  double seconds = 0;
};

// Runs the driver: every submitter's jobs, then drains the rings and stops
// every thread. Returns after each job's fence signalled and every buffer,
// job and fence is freed.
Stats RunGpu(const Options& options);

// stats.cc: "" when the run adds up (every job's fence signalled exactly
// once, nothing leaked, every hang and only hangs failed, timelines and
// sync_files named their jobs, every eviction of the second GPU's buffer
// notified it), else what did not, "; "-separated.
std::string StatsProblems(const Options& options, const Stats& stats);
// The run's summary on stdout.
void PrintStats(const Options& options, const Stats& stats);

bool ParseVariant(const std::string& name, Variant* out);
const char* VariantName(Variant v);
// Every variant's name, clean first, separated by '|'.
std::string VariantNames();
// The report a buggy variant must get (false for kClean: none at all).
bool ExpectedReport(Variant v, lockdep::ReportKind* kind);

}  // namespace fakegpu

#endif  // LOCKDEP_EXAMPLES_FAKEGPU_FAKEGPU_H_
