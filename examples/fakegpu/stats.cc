// What a run must add up to, whatever the variant, and its summary.
#include <cstdio>
#include <string>

#include "examples/fakegpu/fakegpu.h"

namespace fakegpu {
namespace {

void Check(bool ok, const char* what, std::string* problems) {
  if (ok) return;
  if (!problems->empty()) *problems += "; ";
  *problems += what;
}

}  // namespace

std::string StatsProblems(const Options& o, const Stats& s) {
  std::string p;
  const long jobs = static_cast<long>(o.submitters) * o.jobs_per_submitter;
  Check(s.jobs == jobs, "a submit failed", &p);
  Check(s.finished_signalled == s.jobs, "a job's fence never signalled", &p);
  Check(s.duplicate_signals == 0, "a job's fence signalled twice", &p);
  Check(s.jobs_released == s.jobs, "a job leaked", &p);
  Check(s.hw_fences_released == s.jobs, "a hardware fence leaked", &p);
  Check(s.buffers_idle == o.buffers, "a buffer kept an unsignalled fence", &p);
  Check(s.job_errors == s.hangs && s.etime_errors == s.hangs &&
            s.timeouts == s.hangs,
        "a job failed that did not hang, or a hang was not recovered", &p);
  Check(s.timeline_mismatches == 0, "a timeline point was not its job", &p);
  Check(s.sync_file_mismatches == 0, "a sync_file was not its job's", &p);
  Check(s.peer_move_notifies == s.peer_bo_evictions,
        "an eviction did not notify the dynamic importer", &p);
  return p;
}

void PrintStats(const Options& o, const Stats& s) {
  std::printf(
      "jobs %ld: finished fences signalled %ld, again %ld, with error %ld "
      "(-ETIME %ld)\n"
      "released: jobs %ld, hardware fences %ld; buffers idle %d/%d\n"
      "implicit-sync dependencies %ld, -EDEADLK back-offs %ld, interrupts "
      "%ld\n"
      "buffers evicted %ld (pinned, skipped %ld); second GPU: %ld maps, %ld "
      "move_notify; display: %ld maps\n"
      "timeout worker runs %ld: hangs %ld, timed out %ld, resubmitted %ld\n"
      "timeline points %ld, checked %ld\n"
      "%.0f jobs/s\n",
      s.jobs, s.finished_signalled, s.duplicate_signals, s.job_errors,
      s.etime_errors, s.jobs_released, s.hw_fences_released, s.buffers_idle,
      o.buffers, s.dependencies, s.deadlock_backoffs, s.interrupts, s.evictions,
      s.evictions_pinned, s.peer_maps, s.peer_move_notifies, s.display_maps,
      s.tdr_ticks, s.hangs, s.timeouts, s.resubmitted, s.timeline_points,
      s.timeline_checks,
      s.seconds > 0 ? static_cast<double>(s.jobs) / s.seconds : 0.0);
}

}  // namespace fakegpu
