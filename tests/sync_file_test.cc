// sw_sync timelines and sync_file (core/sw_sync.h, core/sync_file.h):
// points signalled exactly up to the timeline's value, in order; shared
// points; closing the timeline; a sync_file's reference to its fence, its
// merge, name and poll callback.
#include <sys/epoll.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>

#include "core/dma-fence.h"
#include "core/sw_sync.h"
#include "core/sync_file.h"
#include "instrument/kernel.h"
#include "tests/fence_test_util.h"

namespace {

using ::fence_test::FenceTest;
using ::fence_test::Unwrapped;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class SwSync : public FenceTest {};
class SyncFile : public FenceTest {};

TEST_F(SwSync, AdvancingSignalsExactlyThePointsReached) {
  struct sync_timeline* tl = sync_timeline_create("tl");
  struct sync_pt* p3 = sync_pt_create(tl, 3);
  struct sync_pt* p1 = sync_pt_create(tl, 1);
  struct sync_pt* p2 = sync_pt_create(tl, 2);
  EXPECT_EQ(p1->base.context, p3->base.context);
  EXPECT_EQ(p1->base.lock, &tl->lock) << "points borrow the timeline's lock";
  EXPECT_FALSE(dma_fence_is_signaled(&p1->base));
  sync_timeline_signal(tl, 2);
  EXPECT_EQ(dma_fence_get_status(&p1->base), 1);
  EXPECT_EQ(dma_fence_get_status(&p2->base), 1);
  EXPECT_EQ(dma_fence_get_status(&p3->base), 0);
  sync_timeline_signal(tl, 1);
  EXPECT_EQ(dma_fence_get_status(&p3->base), 1);
  // A point already reached is signalled at birth.
  struct sync_pt* p0 = sync_pt_create(tl, 3);
  EXPECT_TRUE(dma_fence_is_signaled(&p0->base));
  for (auto* pt : {p0, p1, p2, p3}) dma_fence_put(&pt->base);
  sync_timeline_put(tl);
  EXPECT_THAT(Kinds(), IsEmpty());
}

struct order_cb {
  struct dma_fence_cb cb;
  int* log;
  int* n;
};

void log_seqno(struct dma_fence* fence, struct dma_fence_cb* cb) {
  auto* o = container_of(cb, struct order_cb, cb);
  dma_fence_assert_held(fence);
  o->log[(*o->n)++] = static_cast<int>(fence->seqno);
}

TEST_F(SwSync, CallbacksRunInSeqnoOrderUnderTheTimelineLock) {
  struct sync_timeline* tl = sync_timeline_create("order");
  int log[3] = {0, 0, 0};
  int n = 0;
  struct sync_pt* pts[3] = {sync_pt_create(tl, 5), sync_pt_create(tl, 2),
                            sync_pt_create(tl, 9)};
  order_cb cbs[3];
  for (int i = 0; i < 3; ++i) {
    cbs[i].log = log;
    cbs[i].n = &n;
    ASSERT_EQ(dma_fence_add_callback(&pts[i]->base, &cbs[i].cb, log_seqno),
              0);
  }
  // From another thread, as the SW_SYNC_IOC_INC caller would.
  std::thread inc([tl] { sync_timeline_signal(tl, 10); });
  inc.join();
  EXPECT_EQ(n, 3);
  EXPECT_THAT(log, ElementsAre(2, 5, 9));
  for (auto* pt : pts) dma_fence_put(&pt->base);
  sync_timeline_put(tl);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(SwSync, ASeqnoPendingTwiceIsOnePoint) {
  struct sync_timeline* tl = sync_timeline_create("shared");
  struct sync_pt* a = sync_pt_create(tl, 4);
  struct sync_pt* b = sync_pt_create(tl, 4);
  EXPECT_EQ(a, b);
  EXPECT_EQ(kref_read(&a->base.refcount), 2u);
  dma_fence_put(&a->base);
  dma_fence_put(&b->base);
  sync_timeline_put(tl);
}

TEST_F(SwSync, ClosingTheTimelineFailsThePendingPoints) {
  struct sync_timeline* tl = sync_timeline_create("closed");
  struct sync_pt* done = sync_pt_create(tl, 1);
  struct sync_pt* pending = sync_pt_create(tl, 2);
  sync_timeline_signal(tl, 1);
  sw_sync_release(tl);  // the points keep the timeline
  EXPECT_EQ(dma_fence_get_status(&done->base), 1);
  EXPECT_EQ(dma_fence_get_status(&pending->base), -ENOENT);
  EXPECT_STREQ(pending->base.ops->get_timeline_name(&pending->base), "closed");
  dma_fence_put(&done->base);
  dma_fence_put(&pending->base);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(SwSync, SeqnosWrapAroundAt32Bits) {
  struct sync_timeline* tl = sync_timeline_create("wrap");
  sync_timeline_signal(tl, 0xfffffff0u);
  struct sync_pt* late = sync_pt_create(tl, 5);  // 21 ahead, after the wrap
  EXPECT_FALSE(dma_fence_is_signaled(&late->base));
  sync_timeline_signal(tl, 0x15);
  EXPECT_TRUE(dma_fence_is_signaled(&late->base));
  dma_fence_put(&late->base);
  sync_timeline_put(tl);
}

// ---------------------------------------------------------------------------

TEST_F(SyncFile, HoldsItsOwnReferenceToTheFence) {
  struct sync_timeline* tl = sync_timeline_create("file");
  struct sync_pt* pt = sync_pt_create(tl, 1);
  struct sync_file* file = sync_file_create(&pt->base);
  EXPECT_EQ(kref_read(&pt->base.refcount), 2u);
  struct dma_fence* fence = sync_file_get_fence(file);
  EXPECT_EQ(fence, &pt->base);
  EXPECT_EQ(kref_read(&pt->base.refcount), 3u);
  dma_fence_put(fence);
  dma_fence_put(&pt->base);
  EXPECT_EQ(sync_file_get(file), file);
  sync_file_put(file);
  EXPECT_EQ(kref_read(&pt->base.refcount), 1u) << "the file's reference";
  sync_file_put(file);
  EXPECT_EQ(sync_file_get_fence(nullptr), nullptr);
  sync_timeline_put(tl);  // the point released with the file freed it
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(SyncFile, TheNameIsTheMergesOrTheFences) {
  struct sync_timeline* tl = sync_timeline_create("gfx");
  struct sync_pt* pt = sync_pt_create(tl, 7);
  struct sync_file* file = sync_file_create(&pt->base);
  char name[64];
  const std::string expected =
      "sw_sync-gfx" + std::to_string(pt->base.context) + "-7";
  EXPECT_EQ(std::string(sync_file_get_name(file, name, sizeof(name))),
            expected);
  struct sync_file* merged = sync_file_merge("both", file, file);
  EXPECT_STREQ(sync_file_get_name(merged, name, sizeof(name)), "both");
  sync_file_put(merged);
  sync_file_put(file);
  dma_fence_put(&pt->base);
  sw_sync_release(tl);
}

TEST_F(SyncFile, MergeKeepsTheLatestPendingPointOfEachTimeline) {
  struct sync_timeline* t1 = sync_timeline_create("t1");
  struct sync_timeline* t2 = sync_timeline_create("t2");
  struct sync_pt* a1 = sync_pt_create(t1, 1);
  struct sync_pt* a2 = sync_pt_create(t1, 2);
  struct sync_pt* b1 = sync_pt_create(t2, 1);
  struct sync_file* fa1 = sync_file_create(&a1->base);
  struct sync_file* fa2 = sync_file_create(&a2->base);
  struct sync_file* fb1 = sync_file_create(&b1->base);
  struct sync_file* same = sync_file_merge("same", fa1, fa2);
  EXPECT_EQ(same->fence, &a2->base) << "one timeline: the later point";
  struct sync_file* both = sync_file_merge("both", same, fb1);
  EXPECT_THAT(Unwrapped(both->fence), UnorderedElementsAre(&a2->base,
                                                           &b1->base));
  sync_timeline_signal(t1, 2);
  EXPECT_FALSE(dma_fence_is_signaled(both->fence));
  sync_timeline_signal(t2, 1);
  EXPECT_EQ(dma_fence_wait(both->fence, false), 0);
  for (auto* f : {both, same, fa1, fa2, fb1}) sync_file_put(f);
  for (auto* pt : {a1, a2, b1}) dma_fence_put(&pt->base);
  sync_timeline_put(t1);
  sync_timeline_put(t2);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(SyncFile, PollArmsOneCallbackThatCompletesOnSignal) {
  struct sync_timeline* tl = sync_timeline_create("poll");
  struct sync_pt* pt = sync_pt_create(tl, 1);
  struct sync_file* file = sync_file_create(&pt->base);
  EXPECT_EQ(sync_file_poll(file), 0u);
  EXPECT_EQ(sync_file_poll(file), 0u) << "armed once";
  std::thread signaller([tl] { sync_timeline_signal(tl, 1); });
  wait_for_completion(&file->wq);
  signaller.join();
  EXPECT_EQ(sync_file_poll(file), static_cast<unsigned>(EPOLLIN));
  sync_file_put(file);
  dma_fence_put(&pt->base);
  sync_timeline_put(tl);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(SyncFile, ReleasingAPolledFileRemovesItsCallback) {
  struct sync_timeline* tl = sync_timeline_create("poll");
  struct sync_pt* pt = sync_pt_create(tl, 1);
  struct sync_file* file = sync_file_create(&pt->base);
  EXPECT_EQ(sync_file_poll(file), 0u);
  sync_file_put(file);  // freed: the callback must be gone with it
  sync_timeline_signal(tl, 1);
  EXPECT_TRUE(dma_fence_is_signaled(&pt->base));
  dma_fence_put(&pt->base);
  sync_timeline_put(tl);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(SyncFile, TheDeadlineReachesTheFence) {
  struct sync_timeline* tl = sync_timeline_create("deadline");
  struct sync_pt* pt = sync_pt_create(tl, 1);
  struct sync_file* file = sync_file_create(&pt->base);
  sync_file_set_deadline(file, 42);
  ktime_t deadline = 0;
  EXPECT_EQ(sync_pt_get_deadline(&pt->base, &deadline), 0);
  EXPECT_EQ(deadline, 42);
  sync_file_put(file);
  dma_fence_put(&pt->base);
  sw_sync_release(tl);
}

}  // namespace
