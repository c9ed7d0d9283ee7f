// The GPU driver example (examples/fakegpu): the clean driver runs a real
// workload (thousands of jobs over several submitters and rings, random
// buffer sets, -EDEADLK back-offs forced by ww_inject) with no report and
// every job's fence signalled exactly once; a hung job fails with -ETIME and
// the jobs behind it run again; timelines, sync_files and the dma-buf
// importers see the values they should; each buggy variant gets its report
// the first time its path runs. Workloads are bounded by job counts, every
// driver thread joined before the checks; the tests wait for events, never
// for time.
#include <sys/epoll.h>

#include <thread>

#include "core/sw_sync.h"
#include "examples/fakegpu/driver.h"
#include "examples/fakegpu/fakegpu.h"
#include "tests/test_support.h"

namespace {

// The clean twin's load: thousands of jobs, fewer under the sanitizers
// (each job costs ten times more there, on a loaded 2-core machine).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__) || \
    defined(LOCKDEP_TSAN)
constexpr int kLoadJobsPerSubmitter = 500;
#else
constexpr int kLoadJobsPerSubmitter = 1000;
#endif

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

  // A device of one ring and `buffers` buffers, driven step by step.
  static struct fakegpu::fakegpu_device* OneRing(int buffers,
                                                 int hang_every = 0) {
    fakegpu::Options options;
    options.rings = 1;
    options.buffers = buffers;
    options.hang_every = hang_every;
    return fakegpu::fakegpu_device_create(options);
  }

  static fakegpu::Stats Destroy(struct fakegpu::fakegpu_device* gdev) {
    fakegpu::Stats s;
    fakegpu::fakegpu_device_destroy(gdev, &s);
    return s;
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
  fakegpu::Options options;
  options.rings = 3;
  options.submitters = 3;
  options.jobs_per_submitter = kLoadJobsPerSubmitter;
  options.buffers = 6;
  options.max_buffers_per_job = 3;
  const fakegpu::Stats s = fakegpu::RunGpu(options);
  EXPECT_THAT(Kinds(), IsEmpty());
  ExpectEveryJobOnce(s, 3L * kLoadJobsPerSubmitter);
  EXPECT_EQ(fakegpu::StatsProblems(options, s), "");
  EXPECT_GT(s.timeline_checks, 0) << "user space waited through timelines";
  EXPECT_EQ(s.timeline_points, s.jobs);
  EXPECT_GT(s.evictions_pinned, 0) << "the display's buffer stays pinned";
  EXPECT_GT(s.peer_move_notifies, 0) << "the second GPU's buffer moved";
  EXPECT_EQ(s.peer_move_notifies, s.peer_bo_evictions);
  EXPECT_EQ(s.display_maps, 1) << "a static importer is mapped once";
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

// Jobs that hang the GPU fail with -ETIME, the rest complete, nothing is
// lost or signalled twice, and the run stays silent.
TEST_F(FakeGpuTest, HungJobsFailWithEtimeAndTheRestComplete) {
  fakegpu::Options options;
  options.jobs_per_submitter = 60;
  options.buffers = 6;
  options.hang_every = 15;
  options.job_timeout_ms = 5;
  const fakegpu::Stats s = fakegpu::RunGpu(options);
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_GT(s.hangs, 0);
  EXPECT_EQ(s.timeouts, s.hangs);
  EXPECT_EQ(s.etime_errors, s.hangs);
  EXPECT_EQ(s.job_errors, s.hangs) << "only the hung jobs fail";
  EXPECT_EQ(s.finished_signalled, s.jobs);
  EXPECT_EQ(s.duplicate_signals, 0);
  EXPECT_EQ(s.jobs_released, s.jobs);
  EXPECT_EQ(s.hw_fences_released, s.jobs);
  EXPECT_EQ(fakegpu::StatsProblems(options, s), "");
}

// Step by step on one ring, with every hardware fence of even seqno hanging:
// A (seqno 1) completes, B (2) hangs the GPU with C (3) emitted behind it.
// The reset fails B with -ETIME and resubmits C, which completes.
TEST_F(FakeGpuTest, ARingResetFailsTheHungJobAndResubmitsTheNext) {
  struct fakegpu::fakegpu_device* gdev = OneRing(6, /*hang_every=*/2);
  gdev->job_timeout_ns.store(~0ull);  // no reset until the test allows it
  struct dma_fence* fences[3];
  for (int i = 0; i < 3; ++i) {
    struct fakegpu::fakegpu_bo* bo = &gdev->bos[2 + i];
    const bool write = true;
    ASSERT_EQ(fakegpu::fakegpu_submit_ioctl(gdev, 0, &bo, &write, 1, &fences[i]),
              0);
  }
  EXPECT_EQ(dma_fence_wait(fences[0], false), 0);
  // The GPU stops before seqno 2 whenever C gets there.
  while (gdev->rings[0].hw_emitted.load() < 3) std::this_thread::yield();
  EXPECT_FALSE(dma_fence_is_signaled(fences[1]));
  EXPECT_FALSE(dma_fence_is_signaled(fences[2]));
  gdev->job_timeout_ns.store(0);  // now B is late
  EXPECT_EQ(dma_fence_wait(fences[2], false), 0);
  EXPECT_EQ(dma_fence_get_status(fences[0]), 1);
  EXPECT_EQ(dma_fence_get_status(fences[1]), -ETIME);
  EXPECT_EQ(dma_fence_get_status(fences[2]), 1);
  for (struct dma_fence* f : fences) dma_fence_put(f);
  const fakegpu::Stats s = Destroy(gdev);
  EXPECT_EQ(s.hangs, 1);
  EXPECT_EQ(s.timeouts, 1);
  EXPECT_EQ(s.resubmitted, 1);
  EXPECT_EQ(s.finished_signalled, 3);
  EXPECT_EQ(s.jobs_released, 3);
  EXPECT_EQ(s.hw_fences_released, 3);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// A timeline's points and a sync_file name the jobs they were made from.
// Job 1 waits for a foreign fence (a sw_sync point) on its buffer and job 2
// writes the same buffer after it, so both are pending until the test
// signals the sw_sync timeline.
TEST_F(FakeGpuTest, TimelinePointsAndSyncFilesWaitForTheirJobs) {
  struct fakegpu::fakegpu_device* gdev = OneRing(4);
  struct fakegpu::fakegpu_bo* bo = &gdev->bos[2];
  struct sync_timeline* foreign = sync_timeline_create("foreign");
  struct sync_pt* pt = sync_pt_create(foreign, 1);
  ASSERT_NE(pt, nullptr);
  dma_resv_lock(&bo->resv, nullptr);
  ASSERT_EQ(dma_resv_reserve_fences(&bo->resv, 1), 0);
  dma_resv_add_fence(&bo->resv, &pt->base, DMA_RESV_USAGE_WRITE);
  dma_resv_unlock(&bo->resv);
  dma_fence_put(&pt->base);

  struct fakegpu::fakegpu_syncobj timeline;
  fakegpu::fakegpu_syncobj_init(&timeline);
  struct dma_fence* jobs[2];
  for (int i = 0; i < 2; ++i) {
    const bool write = true;
    ASSERT_EQ(fakegpu::fakegpu_submit_ioctl(gdev, 0, &bo, &write, 1, &jobs[i]),
              0);
    ASSERT_EQ(fakegpu::fakegpu_syncobj_add_point(&timeline, jobs[i], i + 1), 0);
  }
  struct sync_file* file = fakegpu::fakegpu_fence_export_sync_file(jobs[1]);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(sync_file_poll(file), 0u);
  struct dma_fence* held = sync_file_get_fence(file);
  EXPECT_EQ(held, jobs[1]);
  EXPECT_EQ(held->context, jobs[1]->context);
  EXPECT_EQ(held->seqno, jobs[1]->seqno);
  dma_fence_put(held);

  struct dma_fence* points[2];
  for (int i = 0; i < 2; ++i) {
    points[i] = fakegpu::fakegpu_syncobj_find_fence(&timeline, i + 1);
    ASSERT_FALSE(IS_ERR_OR_NULL(points[i]));
    EXPECT_EQ(points[i]->seqno, static_cast<u64>(i + 1));
    EXPECT_EQ(dma_fence_chain_contained(points[i]), jobs[i]);
    EXPECT_FALSE(dma_fence_is_signaled(points[i]));
  }
  EXPECT_TRUE(IS_ERR(fakegpu::fakegpu_syncobj_find_fence(&timeline, 3)));

  sync_timeline_signal(foreign, 1);
  EXPECT_EQ(dma_fence_wait(points[1], false), 0);
  EXPECT_TRUE(dma_fence_is_signaled(jobs[0]));
  EXPECT_TRUE(dma_fence_is_signaled(jobs[1]));
  EXPECT_TRUE(dma_fence_is_signaled(points[0]));
  EXPECT_EQ(sync_file_poll(file), static_cast<unsigned>(EPOLLIN));
  // Everything up to point 2 signalled: nothing left to wait for.
  struct dma_fence* again = fakegpu::fakegpu_syncobj_find_fence(&timeline, 2);
  ASSERT_FALSE(IS_ERR(again));
  EXPECT_TRUE(again == nullptr || dma_fence_is_signaled(again));
  dma_fence_put(again);

  sync_file_put(file);
  for (int i = 0; i < 2; ++i) {
    dma_fence_put(points[i]);
    dma_fence_put(jobs[i]);
  }
  fakegpu::fakegpu_syncobj_fini(&timeline);
  const fakegpu::Stats s = Destroy(gdev);
  sync_timeline_put(foreign);
  EXPECT_EQ(s.finished_signalled, 2);
  EXPECT_EQ(s.jobs_released, 2);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Eviction skips the display's buffer (pinned for a static importer) and
// moves the second GPU's, calling its move_notify, which drops its mapping;
// it maps again on its next use.
TEST_F(FakeGpuTest, EvictionNotifiesDynamicImportersAndSparesPinnedBuffers) {
  struct fakegpu::fakegpu_device* gdev = OneRing(4);
  ASSERT_NE(gdev->display, nullptr);
  ASSERT_NE(gdev->peer, nullptr);
  EXPECT_TRUE(fakegpu::fakegpu_importer_stats(gdev->display).mapped);
  EXPECT_TRUE(fakegpu::fakegpu_importer_stats(gdev->peer).mapped);
  EXPECT_EQ(gdev->bos[0].pin_count, 1);

  fakegpu::fakegpu_shrink(gdev);
  const struct fakegpu::fakegpu_importer_stats peer =
      fakegpu::fakegpu_importer_stats(gdev->peer);
  EXPECT_EQ(peer.move_notifies, 1);
  EXPECT_FALSE(peer.mapped) << "move_notify drops the mapping";
  EXPECT_EQ(gdev->bos[0].evictions, 0) << "the display's buffer is pinned";
  EXPECT_EQ(gdev->bos[1].evictions, 1);
  EXPECT_TRUE(fakegpu::fakegpu_importer_stats(gdev->display).mapped);

  EXPECT_TRUE(fakegpu::fakegpu_importer_use(gdev->peer));
  EXPECT_EQ(fakegpu::fakegpu_importer_stats(gdev->peer).maps, 2);
  const fakegpu::Stats s = Destroy(gdev);
  EXPECT_EQ(s.evictions_pinned, 1);
  EXPECT_EQ(s.peer_move_notifies, 1);
  EXPECT_EQ(s.display_maps, 1);
  EXPECT_THAT(Kinds(), IsEmpty());
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
