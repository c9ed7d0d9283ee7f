// The ipw driver example: ./bazelw run //examples/ipw_driver -- [flags]
//
//   --variant=correct|ring_lock_irqs_on|sleep_with_lock|big_lock|workqueue_answer
//   --seconds=S          how long to run under load (default 1)
//   --ioctl_threads=N    user-space threads issuing ioctls (default 2)
//
// Runs the driver, prints what it did and its lock graph, and exits 0 when the
// variant produced exactly the report it should (none for the clean ones),
// else 1. Lockdep's reports themselves go to stderr.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "examples/ipw_driver/driver.h"
#include "runtime/report.h"

namespace {

bool Flag(const char* arg, const char* name, std::string* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *value = arg + n + 1;
  return true;
}

int Usage(const char* bad) {
  std::fprintf(stderr,
               "unknown or bad flag: %s\nflags: --variant=correct|"
               "ring_lock_irqs_on|sleep_with_lock|big_lock|workqueue_answer "
               "--seconds=S "
               "--ioctl_threads=N\n",
               bad);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ipw::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string value;
    if (Flag(argv[i], "--variant", &value)) {
      if (!ipw::ParseVariant(value, &options.variant)) return Usage(argv[i]);
    } else if (Flag(argv[i], "--seconds", &value)) {
      const double s = std::atof(value.c_str());
      if (s <= 0 || s > 600) return Usage(argv[i]);
      options.duration = std::chrono::milliseconds(static_cast<long>(s * 1000));
    } else if (Flag(argv[i], "--ioctl_threads", &value)) {
      options.ioctl_threads = std::atoi(value.c_str());
      if (options.ioctl_threads < 0 || options.ioctl_threads > 64) {
        return Usage(argv[i]);
      }
    } else {
      return Usage(argv[i]);
    }
  }
  // The example judges its own outcome; a report it expects is not a failure.
  lockdep::SetReportExitCode(0);

  std::printf("ipw driver, variant %s, %ld ms, %d ioctl threads\n",
              ipw::VariantName(options.variant),
              static_cast<long>(options.duration.count()),
              options.ioctl_threads);
  const ipw::Stats s = ipw::RunDriver(options);
  std::printf(
      "tx frames %ld (dropped %ld), rx frames %ld, networks %d, scans %ld\n"
      "commands ok %ld, busy (-EAGAIN) %ld, timed out %ld\n\n%s\n",
      s.tx_frames, s.tx_dropped, s.rx_frames, s.networks_known, s.scans_read,
      s.commands_ok, s.commands_busy, s.commands_timed_out,
      ipw::DescribeLockGraph(options.variant).c_str());

  std::vector<lockdep::ReportKind> kinds;
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    kinds.push_back(r.kind);
  }
  lockdep::ReportKind expected;
  const bool want = ipw::ExpectedReport(options.variant, &expected);
  const bool repeats = want && ipw::ExpectedReportMayRepeat(options.variant);
  bool ok = want ? !kinds.empty() && (repeats || kinds.size() == 1) : kinds.empty();
  for (lockdep::ReportKind k : kinds) ok = ok && k == expected;
  std::printf("lockdep: %zu report(s); expected %s%s: %s\n", kinds.size(),
              want ? lockdep::ReportKindName(expected) : "none",
              repeats ? " (one or more)" : "", ok ? "as expected" : "NOT as expected");
  return ok ? 0 : 1;
}
