// The GPU driver example: ./bazelw run //examples/fakegpu -- [flags]
//
//   --variant=NAME       clean (default) or one bug (--help lists them)
//   --jobs=N             jobs per submitter thread (default 500)
//   --submitters=N       threads issuing the submit ioctl (default 2)
//   --rings=N            rings, each a scheduler and a hardware thread (2)
//   --buffers=N          buffers shared by every job (default 8)
//   --hang-every=N       every Nth job of a ring hangs the GPU (0: none)
//   --no-validation      every thread runs with lockdep_off()
//
// Runs the driver, prints what it did, and exits 0 when the variant got the
// report it should (none for clean) and the run adds up (every job's fence
// signalled exactly once, nothing leaked; StatsProblems), else 1. Lockdep's
// reports themselves go to stderr.
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

bool Count(const std::string& value, int min, int max, int* out) {
  *out = std::atoi(value.c_str());
  return *out >= min && *out <= max;
}

int Usage(const char* bad) {
  if (bad) std::fprintf(stderr, "unknown or bad flag: %s\n", bad);
  std::fprintf(bad ? stderr : stdout,
               "usage: fakegpu [--variant=NAME] [--jobs=N] "
               "[--submitters=N] [--rings=N] [--buffers=N] [--hang-every=N] "
               "[--no-validation]\nvariants:\n");
  const std::string names = fakegpu::VariantNames();
  for (size_t at = 0; at <= names.size();) {
    const size_t bar = std::min(names.find('|', at), names.size());
    fakegpu::Variant v;
    const std::string name = names.substr(at, bar - at);
    lockdep::ReportKind kind;
    const bool reported =
        fakegpu::ParseVariant(name, &v) && fakegpu::ExpectedReport(v, &kind);
    std::fprintf(bad ? stderr : stdout, "  %-22s %s\n", name.c_str(),
                 reported ? lockdep::ReportKindName(kind) : "no report");
    at = bar + 1;
  }
  return bad ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  fakegpu::Options options;
  options.jobs_per_submitter = 500;
  for (int i = 1; i < argc; ++i) {
    std::string value;
    bool ok = true;
    if (std::strcmp(argv[i], "--help") == 0) {
      return Usage(nullptr);
    } else if (std::strcmp(argv[i], "--no-validation") == 0) {
      options.validate = false;
    } else if (Flag(argv[i], "--variant", &value)) {
      ok = fakegpu::ParseVariant(value, &options.variant);
    } else if (Flag(argv[i], "--jobs", &value)) {
      ok = Count(value, 1, 1000000, &options.jobs_per_submitter);
    } else if (Flag(argv[i], "--submitters", &value)) {
      ok = Count(value, 1, 64, &options.submitters);
    } else if (Flag(argv[i], "--rings", &value)) {
      ok = Count(value, 1, 16, &options.rings);
    } else if (Flag(argv[i], "--buffers", &value)) {
      ok = Count(value, 1, 4096, &options.buffers);
    } else if (Flag(argv[i], "--hang-every", &value)) {
      ok = Count(value, 0, 1000000, &options.hang_every);
    } else {
      ok = false;
    }
    if (!ok) return Usage(argv[i]);
  }
  // The example judges its own outcome; a report it expects is not a failure.
  lockdep::SetReportExitCode(0);

  std::printf("fakegpu, variant %s: %d submitters x %d jobs, %d rings, %d "
              "buffers%s\n",
              fakegpu::VariantName(options.variant), options.submitters,
              options.jobs_per_submitter, options.rings, options.buffers,
              options.validate ? "" : ", validation off");
  const fakegpu::Stats s = fakegpu::RunGpu(options);
  fakegpu::PrintStats(options, s);

  bool expected_seen = false;
  size_t reports = 0;
  lockdep::ReportKind expected;
  const bool want = fakegpu::ExpectedReport(options.variant, &expected);
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    ++reports;
    expected_seen |= want && r.kind == expected;
  }
  const std::string problems = fakegpu::StatsProblems(options, s);
  if (!problems.empty()) {
    std::printf("the run does not add up: %s\n", problems.c_str());
  }
  const bool ok = (want ? expected_seen : reports == 0) && problems.empty();
  std::printf("lockdep: %zu report(s); expected %s: %s\n", reports,
              want ? lockdep::ReportKindName(expected) : "none",
              ok ? "as expected" : "NOT as expected");
  return ok ? 0 : 1;
}
