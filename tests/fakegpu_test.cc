// The GPU driver example (examples/fakegpu): the clean driver runs a real
// workload (several submitters and rings, random buffer sets, -EDEADLK
// back-offs forced by ww_inject) with no report and every job's fence
// signalled exactly once; each buggy variant gets its report the first time
// its path runs. Workloads are bounded by job counts, every driver thread
// joined before the checks.
#include "examples/fakegpu/fakegpu.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::Contains;
using ::testing::IsEmpty;

class FakeGpuTest : public lockdep_test::LockdepTest {
 protected:
  fakegpu::Stats Run(fakegpu::Variant v, int jobs_per_submitter = 150) {
    fakegpu::Options options;
    options.variant = v;
    options.rings = 2;
    options.submitters = 2;
    options.jobs_per_submitter = jobs_per_submitter;
    options.buffers = 6;
    options.max_buffers_per_job = 3;
    return fakegpu::RunGpu(options);
  }

  // Whatever the variant, no job is lost, none signalled twice, and every
  // job, hardware fence and buffer reference is released.
  static void ExpectEveryJobOnce(const fakegpu::Stats& s, long jobs) {
    EXPECT_EQ(s.jobs, jobs);
    EXPECT_EQ(s.finished_signalled, jobs);
    EXPECT_EQ(s.duplicate_signals, 0);
    EXPECT_EQ(s.job_errors, 0);
    EXPECT_EQ(s.jobs_released, jobs) << "a job's fence leaked";
    EXPECT_EQ(s.hw_fences_released, jobs) << "a hardware fence leaked";
    EXPECT_EQ(s.buffers_idle, 6) << "a buffer kept an unsignalled fence";
  }
};

TEST_F(FakeGpuTest, CleanDriverRunsWithoutReports) {
  const fakegpu::Stats s = Run(fakegpu::Variant::kClean);
  EXPECT_THAT(Kinds(), IsEmpty());
  ExpectEveryJobOnce(s, 300);
  EXPECT_GT(s.dependencies, 0) << "the workload must exercise implicit sync";
  EXPECT_GT(s.deadlock_backoffs, 0)
      << "ww_inject (tests/BUILD) must force -EDEADLK back-offs";
  EXPECT_GT(s.interrupts, 0);
  EXPECT_GT(s.evictions, 0) << "the shrinker must have run";
  EXPECT_GT(s.tdr_ticks, 0) << "the timeout worker must have run";
  EXPECT_EQ(s.timeouts, 0) << "no job hangs in the clean driver";
}

// A single job is enough: the first run of run_job closes
// fs_reclaim -> dma_fence_map -> fs_reclaim through dma_resv_lockdep()'s
// priming, whether or not memory ever ran short.
TEST_F(FakeGpuTest, GfpKernelInRunJobIsACircularDependency) {
  const fakegpu::Stats s = Run(fakegpu::Variant::kAllocInRunJob, 1);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kCircularDependency));
  bool through_reclaim = false;
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    through_reclaim |= r.kind == ReportKind::kCircularDependency &&
                       r.text.find("fs_reclaim") != std::string::npos &&
                       r.text.find("dma_fence_map") != std::string::npos;
  }
  EXPECT_TRUE(through_reclaim);
  ExpectEveryJobOnce(s, 2);
}

TEST_F(FakeGpuTest, ReservationLockInTheInterruptIsReported) {
  const fakegpu::Stats s = Run(fakegpu::Variant::kResvLockInIrq, 1);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kSleepInAtomic));
  ExpectEveryJobOnce(s, 2);
}

TEST_F(FakeGpuTest, RingLockWithIrqsOnIsInconsistentLockState) {
  const fakegpu::Stats s = Run(fakegpu::Variant::kRingLockIrqsOn, 1);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kInconsistentLockState));
  ExpectEveryJobOnce(s, 2);
}

TEST_F(FakeGpuTest, FenceWithoutAReservedSlotIsAKernelBug) {
  const fakegpu::Stats s = Run(fakegpu::Variant::kNoReservedSlot, 1);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kKernelBug));
  // The fence was refused, not added: the jobs still run, the buffers hold
  // nothing of theirs.
  ExpectEveryJobOnce(s, 2);
}

// The first submit's shrinker run waits for that job's fence under the LRU
// lock, and its run_job takes the LRU lock inside the signalling section:
// LRU lock -> dma_fence_map -> LRU lock. The wait is bounded, so the real
// deadlock ends too.
TEST_F(FakeGpuTest, EvictionWaitingUnderTheLruLockIsACycle) {
  const fakegpu::Stats s = Run(fakegpu::Variant::kEvictUnderLruLock, 1);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kCircularDependency));
  bool through_lru = false;
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    through_lru |= r.kind == ReportKind::kCircularDependency &&
                   r.text.find("lru_lock") != std::string::npos &&
                   r.text.find("dma_fence_map") != std::string::npos;
  }
  EXPECT_TRUE(through_lru);
  ExpectEveryJobOnce(s, 2);
}

// The first submit's wait ioctl holds the reset lock around the fence
// wait; the timeout worker, which ticks at least once per run, takes it
// inside its signalling section: reset lock -> dma_fence_map -> reset lock.
TEST_F(FakeGpuTest, WaitingUnderTheResetLockIsACycle) {
  const fakegpu::Stats s = Run(fakegpu::Variant::kWaitUnderResetLock, 1);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kCircularDependency));
  bool through_reset = false;
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    through_reset |= r.kind == ReportKind::kCircularDependency &&
                     r.text.find("reset_lock") != std::string::npos &&
                     r.text.find("dma_fence_map") != std::string::npos;
  }
  EXPECT_TRUE(through_reset);
  EXPECT_GT(s.tdr_ticks, 0);
  ExpectEveryJobOnce(s, 2);
}

TEST(FakeGpuVariants, NamesRoundTrip) {
  for (const char* name : {"clean", "alloc_in_run_job", "resv_lock_in_irq",
                           "ring_lock_irqs_on", "no_reserved_slot",
                           "evict_under_lru_lock", "wait_under_reset_lock"}) {
    fakegpu::Variant v;
    ASSERT_TRUE(fakegpu::ParseVariant(name, &v)) << name;
    EXPECT_STREQ(fakegpu::VariantName(v), name);
  }
  fakegpu::Variant v;
  EXPECT_FALSE(fakegpu::ParseVariant("nope", &v));
}

}  // namespace
