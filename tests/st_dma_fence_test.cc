// Linux's drivers/dma-buf/st-dma-fence.c as GoogleTest cases (the kunit
// cases, one each, race_signal_callback bounded by passes instead of 50 ms),
// then the rest of the fence API drivers call that Linux tests elsewhere:
// the stubs, dma_fence_wait_any_timeout(), dma_fence_set_deadline() and
// dma_fence_describe().
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/dma-fence.h"
#include "core/sw_sync.h"
#include "instrument/kernel.h"
#include "tests/fence_test_util.h"

namespace {

using ::fence_test::FenceTest;
using ::fence_test::MockFence;
using ::lockdep_test::Kinds;
using ::testing::IsEmpty;

class StDmaFence : public FenceTest {};

struct simple_cb {
  struct dma_fence_cb cb;
  std::atomic<bool> seen{false};
};

void simple_callback(struct dma_fence*, struct dma_fence_cb* cb) {
  container_of(cb, struct simple_cb, cb)->seen.store(true);
}

TEST_F(StDmaFence, Sanitycheck) {
  struct dma_fence* f = MockFence(0, 0);
  dma_fence_enable_sw_signaling(f);
  dma_fence_signal(f);
  dma_fence_put(f);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFence, Signaling) {
  struct dma_fence* f = MockFence(0, 0);
  dma_fence_enable_sw_signaling(f);
  EXPECT_FALSE(dma_fence_is_signaled(f)) << "signalled on creation";
  EXPECT_EQ(dma_fence_signal(f), 0) << "reported already signalled";
  EXPECT_TRUE(dma_fence_is_signaled(f));
  EXPECT_EQ(dma_fence_signal(f), -EINVAL) << "signalled twice";
  dma_fence_put(f);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFence, AddCallback) {
  simple_cb cb;
  struct dma_fence* f = MockFence(0, 0);
  ASSERT_EQ(dma_fence_add_callback(f, &cb.cb, simple_callback), 0);
  dma_fence_signal(f);
  EXPECT_TRUE(cb.seen.load());
  dma_fence_put(f);
}

TEST_F(StDmaFence, LateAddCallback) {
  simple_cb cb;
  struct dma_fence* f = MockFence(0, 0);
  dma_fence_enable_sw_signaling(f);
  dma_fence_signal(f);
  EXPECT_EQ(dma_fence_add_callback(f, &cb.cb, simple_callback), -ENOENT);
  dma_fence_signal(f);
  EXPECT_FALSE(cb.seen.load()) << "callback called after failed attachment";
  dma_fence_put(f);
}

TEST_F(StDmaFence, RmCallback) {
  simple_cb cb;
  struct dma_fence* f = MockFence(0, 0);
  ASSERT_EQ(dma_fence_add_callback(f, &cb.cb, simple_callback), 0);
  EXPECT_TRUE(dma_fence_remove_callback(f, &cb.cb));
  dma_fence_signal(f);
  EXPECT_FALSE(cb.seen.load()) << "callback still called after removal";
  dma_fence_put(f);
}

TEST_F(StDmaFence, LateRmCallback) {
  simple_cb cb;
  struct dma_fence* f = MockFence(0, 0);
  ASSERT_EQ(dma_fence_add_callback(f, &cb.cb, simple_callback), 0);
  dma_fence_signal(f);
  EXPECT_TRUE(cb.seen.load());
  EXPECT_FALSE(dma_fence_remove_callback(f, &cb.cb))
      << "removal succeeded after the callback ran";
  dma_fence_put(f);
}

TEST_F(StDmaFence, Status) {
  struct dma_fence* f = MockFence(0, 0);
  dma_fence_enable_sw_signaling(f);
  EXPECT_EQ(dma_fence_get_status(f), 0);
  dma_fence_signal(f);
  EXPECT_EQ(dma_fence_get_status(f), 1);
  dma_fence_put(f);
}

TEST_F(StDmaFence, Error) {
  struct dma_fence* f = MockFence(0, 0);
  dma_fence_enable_sw_signaling(f);
  dma_fence_set_error(f, -EIO);
  EXPECT_EQ(dma_fence_get_status(f), 0) << "error status before signal";
  dma_fence_signal(f);
  EXPECT_EQ(dma_fence_get_status(f), -EIO);
  dma_fence_put(f);
}

TEST_F(StDmaFence, Wait) {
  struct dma_fence* f = MockFence(0, 0);
  dma_fence_enable_sw_signaling(f);
  EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 0);
  dma_fence_signal(f);
  EXPECT_EQ(dma_fence_wait_timeout(f, false, 0), 1);
  dma_fence_put(f);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Linux signals from a timer a jiffy later; here another thread, started
// after the first wait timed out. The second wait must see the signal.
TEST_F(StDmaFence, WaitTimeout) {
  struct dma_fence* f = MockFence(0, 0);
  dma_fence_enable_sw_signaling(f);
  EXPECT_EQ(dma_fence_wait_timeout(f, false, 1), 0);
  std::thread timer([f] { dma_fence_signal(f); });
  EXPECT_GT(dma_fence_wait_timeout(f, false, 60 * 1000), 0);
  timer.join();
  dma_fence_put(f);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFence, Stub) {
  struct dma_fence* f[64];
  for (auto& stub : f) {
    stub = dma_fence_get_stub();
    EXPECT_TRUE(dma_fence_is_signaled(stub));
  }
  // One shared fence, on context 0.
  EXPECT_EQ(f[0], f[63]);
  EXPECT_EQ(f[0]->context, 0u);
  for (auto* stub : f) dma_fence_put(stub);
  EXPECT_TRUE(dma_fence_is_signaled(dma_fence_get_stub()));
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ---------------------------------------------------------------------------
// race_signal_callback: two threads, each publishing a fence, adding a
// callback to the other's and signalling its own before or after; every
// callback added must run. Linux publishes under RCU; here a spinlock makes
// "read the slot and take a reference" atomic against "clear it and put".

struct race_state {
  spinlock_t lock;
  struct dma_fence* fences[2] = {nullptr, nullptr};
  std::atomic<bool> stop{false};
  std::atomic<unsigned long> passes[2] = {0, 0};
  std::atomic<int> errors{0};
};

struct dma_fence* get_published(race_state* s, int id) {
  unsigned long flags;
  spin_lock_irqsave(&s->lock, flags);
  struct dma_fence* f = dma_fence_get(s->fences[id]);
  spin_unlock_irqrestore(&s->lock, flags);
  return f;
}

void publish(race_state* s, int id, struct dma_fence* f) {
  unsigned long flags;
  spin_lock_irqsave(&s->lock, flags);
  s->fences[id] = f;
  spin_unlock_irqrestore(&s->lock, flags);
}

// Linux's __wait_for_callbacks(): the signaller runs callbacks under the
// fence lock, so once this thread has had the lock they are done.
void wait_for_callbacks(struct dma_fence* f) {
  unsigned long flags;
  dma_fence_lock_irqsave(f, flags);
  dma_fence_unlock_irqrestore(f, flags);
}

void thread_signal_callback(race_state* s, int id, bool before) {
  while (!s->stop.load()) {
    struct dma_fence* f1 = MockFence(0, 0);
    dma_fence_enable_sw_signaling(f1);
    publish(s, id, f1);
    struct dma_fence* f2;
    do {
      f2 = get_published(s, !id);
    } while (!f2 && !s->stop.load());

    if (before) dma_fence_signal(f1);
    simple_cb cb;
    bool seen = false;
    if (!f2 || dma_fence_add_callback(f2, &cb.cb, simple_callback)) {
      seen = true;  // a miss: nothing to wait for
    }
    if (!before) dma_fence_signal(f1);
    if (!seen) {
      dma_fence_wait(f2, false);
      wait_for_callbacks(f2);
      if (!cb.seen.load()) s->errors.fetch_add(1);
    }
    dma_fence_put(f2);
    publish(s, id, nullptr);
    dma_fence_put(f1);
    s->passes[id].fetch_add(1);
  }
}

#ifdef LOCKDEP_TSAN
constexpr unsigned long kRacePasses = 300;
#else
constexpr unsigned long kRacePasses = 3000;
#endif

TEST_F(StDmaFence, RaceSignalCallback) {
  for (const bool before : {false, true}) {
    race_state s;
    spin_lock_init(&s.lock);
    std::thread t0(thread_signal_callback, &s, 0, before);
    std::thread t1(thread_signal_callback, &s, 1, before);
    while (s.passes[0].load() < kRacePasses ||
           s.passes[1].load() < kRacePasses) {
      std::this_thread::yield();
    }
    s.stop.store(true);
    t0.join();
    t1.join();
    EXPECT_EQ(s.errors.load(), 0) << "callback not seen, signalling "
                                  << (before ? "before" : "after");
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ---------------------------------------------------------------------------
// The private stub, the timestamp.

TEST_F(StDmaFence, PrivateStubIsSignalledAtItsTimestampOnItsOwnTimeline) {
  struct dma_fence* a = dma_fence_allocate_private_stub(1234);
  struct dma_fence* b = dma_fence_allocate_private_stub(5678);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(dma_fence_is_signaled(a));
  EXPECT_EQ(dma_fence_get_status(a), 1);
  EXPECT_EQ(dma_fence_timestamp(a), 1234);
  EXPECT_EQ(dma_fence_timestamp(b), 5678);
  EXPECT_NE(a->context, b->context);
  EXPECT_NE(a, dma_fence_get_stub());
  dma_fence_put(dma_fence_get_stub());
  dma_fence_put(a);
  dma_fence_put(b);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ---------------------------------------------------------------------------
// dma_fence_wait_any_timeout().

TEST_F(StDmaFence, WaitAnyWithoutWaitingSaysWhichIsSignalled) {
  struct dma_fence* f[3] = {MockFence(), MockFence(), MockFence()};
  u32 idx = 99;
  EXPECT_EQ(dma_fence_wait_any_timeout(f, 3, false, 0, &idx), 0);
  EXPECT_EQ(idx, 99u);
  dma_fence_signal(f[2]);
  EXPECT_EQ(dma_fence_wait_any_timeout(f, 3, false, 0, &idx), 1);
  EXPECT_EQ(idx, 2u);
  // A signalled fence answers a real wait at once, with the time left.
  EXPECT_EQ(dma_fence_wait_any_timeout(f, 3, false, 500, &idx), 500);
  EXPECT_EQ(idx, 2u);
  fence_test::SignalAndPut({f[0], f[1], f[2]});
}

// Misuse, as Linux: WARN_ON and -EINVAL.
TEST_F(StDmaFence, WaitAnyRejectsNoFencesAndNegativeTimeouts) {
  struct dma_fence* f = MockFence();
  u32 idx = 99;
  EXPECT_EQ(dma_fence_wait_any_timeout(&f, 0, false, 0, &idx), -EINVAL);
  EXPECT_EQ(dma_fence_wait_any_timeout(nullptr, 1, false, 0, &idx), -EINVAL);
  EXPECT_EQ(dma_fence_wait_any_timeout(&f, 1, false, -1, nullptr), -EINVAL);
  EXPECT_EQ(idx, 99u);
  // Each is a broken rule of the API, a WARN_ON as in Linux: one report for
  // the call site (reports are de-duplicated per site).
  EXPECT_THAT(Kinds(), testing::ElementsAre(lockdep::ReportKind::kWarnOn));
  fence_test::SignalAndPut({f});
}

TEST_F(StDmaFence, WaitAnyWakesForTheFenceAnotherThreadSignals) {
  struct sync_timeline* tl = sync_timeline_create("wait_any");
  struct sync_pt* pts[3] = {sync_pt_create(tl, 1), sync_pt_create(tl, 2),
                            sync_pt_create(tl, 3)};
  struct dma_fence* f[3] = {&pts[2]->base, &pts[1]->base, &pts[0]->base};
  u32 idx = 99;
  std::thread signaller([tl] { sync_timeline_signal(tl, 1); });
  EXPECT_GT(dma_fence_wait_any_timeout(f, 3, false, MAX_SCHEDULE_TIMEOUT,
                                       &idx),
            0);
  signaller.join();
  EXPECT_EQ(idx, 2u);  // seqno 1
  // Nothing else signalled: a bounded wait times out.
  struct dma_fence* rest[2] = {f[0], f[1]};
  EXPECT_EQ(dma_fence_wait_any_timeout(rest, 2, false, 5, &idx), 0);
  // Every callback was removed: the fences release cleanly.
  for (auto* fence : f) dma_fence_put(fence);
  sw_sync_release(tl);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFence, WaitAnyUnderALockTheSignallerTakesIsACycle) {
  static DEFINE_MUTEX(submit_lock);
  struct dma_fence* f = MockFence();
  // The signalling path takes the lock...
  const bool cookie = dma_fence_begin_signalling();
  mutex_lock(&submit_lock);
  mutex_unlock(&submit_lock);
  dma_fence_end_signalling(cookie);
  // ...and a wait for any fence under it closes the cycle, signalled or not.
  dma_fence_signal(f);
  mutex_lock(&submit_lock);
  EXPECT_EQ(dma_fence_wait_any_timeout(&f, 1, false, 10, nullptr), 10);
  mutex_unlock(&submit_lock);
  // Two cycles, both real: the wait itself (dma_fence_map, which Linux's
  // wait_any does not annotate) and its GFP_KERNEL allocation of the
  // callbacks, which Linux reports too, through dma_resv_lockdep()'s priming
  // fs_reclaim -> dma_fence_map.
  std::vector<std::string> closing;
  for (const lockdep::Report& r : lockdep::CollectedReports()) {
    EXPECT_EQ(r.kind, lockdep::ReportKind::kCircularDependency) << r.title;
    if (!r.classes.empty()) closing.push_back(r.classes[0]);
  }
  EXPECT_THAT(closing,
              testing::UnorderedElementsAre("dma_fence_map", "fs_reclaim"));
  dma_fence_put(f);
}

// ---------------------------------------------------------------------------
// dma_fence_set_deadline() and dma_fence_describe().

TEST_F(StDmaFence, DeadlineReachesThePendingFenceOnly) {
  struct sync_timeline* tl = sync_timeline_create("deadline");
  struct sync_pt* pt = sync_pt_create(tl, 1);
  struct sync_pt* done = sync_pt_create(tl, 0);  // already reached
  ktime_t deadline = 0;
  EXPECT_EQ(sync_pt_get_deadline(&pt->base, &deadline), -ENOENT);
  dma_fence_set_deadline(&pt->base, 2000);
  dma_fence_set_deadline(&pt->base, 1000);
  dma_fence_set_deadline(&pt->base, 3000);
  EXPECT_EQ(sync_pt_get_deadline(&pt->base, &deadline), 0);
  EXPECT_EQ(deadline, 1000) << "the earliest deadline wins";
  dma_fence_set_deadline(&done->base, 1000);
  EXPECT_EQ(sync_pt_get_deadline(&done->base, &deadline), -ENOENT)
      << "a signalled fence is not told";
  struct dma_fence* mock = MockFence();
  EXPECT_EQ(sync_pt_get_deadline(mock, &deadline), -EINVAL);
  dma_fence_set_deadline(mock, 1000);  // no op: a no-op
  dma_fence_signal(mock);
  dma_fence_put(mock);
  dma_fence_put(&pt->base);
  dma_fence_put(&done->base);
  sw_sync_release(tl);
  EXPECT_THAT(Kinds(), IsEmpty());
}

std::string Describe(struct dma_fence* fence) {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  dma_fence_describe(fence, out);
  std::fclose(out);
  std::string s(text, size);
  std::free(text);
  return s;
}

TEST_F(StDmaFence, DescribeNamesDriverTimelineSeqnoAndState) {
  struct sync_timeline* tl = sync_timeline_create("gfx");
  struct sync_pt* pt = sync_pt_create(tl, 7);
  EXPECT_EQ(Describe(&pt->base), "sw_sync gfx seq 7 unsignalled\n");
  sync_timeline_signal(tl, 7);
  EXPECT_EQ(Describe(&pt->base), "sw_sync gfx seq 7 signalled\n");
  dma_fence_put(&pt->base);
  sync_timeline_put(tl);
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
