// Throughput of the GPU driver example (examples/fakegpu): jobs per second
// through the submit ioctl, the scheduler, the "hardware" and its interrupt,
// with the implicit sync, evictions, timelines and waits of its workload.
//
//   ./bazelw run -c opt //benchmarks:fakegpu_bench
//
//   BM_FakeGpu/validate:1   the clean driver, lockdep validating
//   BM_FakeGpu/validate:0   the same with every thread's validation off
//                           (lockdep_off()): the driver alone
//
// Each iteration is one whole run (a device brought up, 2 submitters x 500
// jobs on 2 rings over 8 buffers, drained, torn down); jobs/s is over the
// iterations' wall time, cpu_us/job the CPU time of all the process's
// threads per job. The hardware's simulated 20 us per batch, the waits and
// the machine's load weigh in on jobs/s, so compare the two rows of one run.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <string>

#include "examples/fakegpu/fakegpu.h"

namespace {

// CPU time of every thread of the process so far, in microseconds: the
// driver's threads do the work, not the benchmark's.
double ProcessCpuMicros() {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

void BM_FakeGpu(benchmark::State& state) {
  fakegpu::Options options;
  options.jobs_per_submitter = 500;
  options.validate = state.range(0) != 0;
  long jobs = 0;
  const double cpu_start = ProcessCpuMicros();
  for (auto _ : state) {
    const fakegpu::Stats s = fakegpu::RunGpu(options);
    const std::string problems = fakegpu::StatsProblems(options, s);
    if (!problems.empty()) {
      state.SkipWithError(problems.c_str());
      break;
    }
    jobs += s.jobs;
  }
  const double cpu = ProcessCpuMicros() - cpu_start;
  state.counters["jobs/s"] =
      benchmark::Counter(static_cast<double>(jobs), benchmark::Counter::kIsRate);
  state.counters["cpu_us/job"] = jobs > 0 ? cpu / static_cast<double>(jobs) : 0;
}

BENCHMARK(BM_FakeGpu)->ArgName("validate")->Arg(1)->Arg(0)->UseRealTime()->Unit(
    benchmark::kMillisecond);

}  // namespace
