// The GPU driver example: ./bazelw run //examples/fakegpu -- [flags]
//
//   --variant=NAME       clean (default) or one bug (--help lists them)
//   --jobs=N             jobs per submitter thread (default 500)
//   --submitters=N       threads issuing the submit ioctl (default 2)
//   --rings=N            rings, each a scheduler and a hardware thread (2)
//   --buffers=N          buffers shared by every job (default 8)
//
// Runs the driver, prints what it did, and exits 0 when the variant got the
// report it should (none for clean) and every job's fence signalled exactly
// once, else 1. Lockdep's reports themselves go to stderr.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "examples/fakegpu/fakegpu.h"
#include "runtime/report.h"

namespace {

bool Flag(const char* arg, const char* name, std::string* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *value = arg + n + 1;
  return true;
}

bool Count(const std::string& value, int max, int* out) {
  *out = std::atoi(value.c_str());
  return *out >= 1 && *out <= max;
}

int Usage(const char* bad) {
  std::fprintf(stderr,
               "%s%s\nflags: --variant=%s --jobs=N --submitters=N --rings=N "
               "--buffers=N\n",
               bad ? "unknown or bad flag: " : "", bad ? bad : "",
               fakegpu::VariantNames().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  fakegpu::Options options;
  options.jobs_per_submitter = 500;
  for (int i = 1; i < argc; ++i) {
    std::string value;
    bool ok = true;
    if (std::strcmp(argv[i], "--help") == 0) {
      Usage(nullptr);
      return 0;
    } else if (Flag(argv[i], "--variant", &value)) {
      ok = fakegpu::ParseVariant(value, &options.variant);
    } else if (Flag(argv[i], "--jobs", &value)) {
      ok = Count(value, 1000000, &options.jobs_per_submitter);
    } else if (Flag(argv[i], "--submitters", &value)) {
      ok = Count(value, 64, &options.submitters);
    } else if (Flag(argv[i], "--rings", &value)) {
      ok = Count(value, 16, &options.rings);
    } else if (Flag(argv[i], "--buffers", &value)) {
      ok = Count(value, 4096, &options.buffers);
    } else {
      ok = false;
    }
    if (!ok) return Usage(argv[i]);
  }
  // The example judges its own outcome; a report it expects is not a failure.
  lockdep::SetReportExitCode(0);

  std::printf("fakegpu, variant %s: %d submitters x %d jobs, %d rings, %d "
              "buffers\n",
              fakegpu::VariantName(options.variant), options.submitters,
              options.jobs_per_submitter, options.rings, options.buffers);
  const fakegpu::Stats s = fakegpu::RunGpu(options);
  std::printf(
      "jobs %ld: finished fences signalled %ld, again %ld, with error %ld\n"
      "released: jobs %ld, hardware fences %ld; buffers idle %d/%d\n"
      "implicit-sync dependencies %ld, -EDEADLK back-offs %ld, interrupts "
      "%ld\nbuffers evicted %ld, timeout worker runs %ld, hung jobs %ld\n"
      "%.0f jobs/s\n",
      s.jobs, s.finished_signalled, s.duplicate_signals, s.job_errors,
      s.jobs_released, s.hw_fences_released, s.buffers_idle, options.buffers,
      s.dependencies, s.deadlock_backoffs, s.interrupts, s.evictions,
      s.tdr_ticks, s.timeouts,
      s.seconds > 0 ? static_cast<double>(s.jobs) / s.seconds : 0.0);

  bool expected_seen = false;
  size_t reports = 0;
  lockdep::ReportKind expected;
  const bool want = fakegpu::ExpectedReport(options.variant, &expected);
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    ++reports;
    expected_seen |= want && r.kind == expected;
  }
  const bool jobs_ok = s.jobs == s.finished_signalled &&
                       s.duplicate_signals == 0 &&
                       s.jobs_released == s.jobs &&
                       s.hw_fences_released == s.jobs;
  const bool ok = (want ? expected_seen : reports == 0) && jobs_ok;
  std::printf("lockdep: %zu report(s); expected %s: %s\n", reports,
              want ? lockdep::ReportKindName(expected) : "none",
              ok ? "as expected" : "NOT as expected");
  return ok ? 0 : 1;
}
