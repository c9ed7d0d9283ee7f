// dma-fence-array (core/dma-fence-array.h): signalling on all or any
// member, the first member error, members already signalled, polling
// without enabling, deadlines passed on, the iteration helpers, and where
// the array's callbacks run (its own lock, hard-irq context as Linux's
// irq_work) as lockdep sees it.
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "core/dma-fence-array.h"
#include "core/dma-fence.h"
#include "core/sw_sync.h"
#include "instrument/kernel.h"
#include "tests/fence_test_util.h"

namespace {

using ::fence_test::FenceTest;
using ::fence_test::MockFence;
using ::fence_test::SignalAndPut;
using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class DmaFenceArray : public FenceTest {};

// An array over `members`, with a reference to each taken for it.
struct dma_fence_array* NewArray(std::vector<struct dma_fence*> members,
                                 bool signal_on_any = false) {
  for (auto* f : members) dma_fence_get(f);
  return fence_test::MockArray(std::move(members), signal_on_any);
}

TEST_F(DmaFenceArray, SignalsOnceEveryMemberHas) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence_array* array = NewArray({f1, f2});
  EXPECT_EQ(to_dma_fence_array(&array->base), array);
  EXPECT_EQ(to_dma_fence_array(f1), nullptr);
  dma_fence_enable_sw_signaling(&array->base);
  dma_fence_signal(f1);
  EXPECT_FALSE(dma_fence_is_signaled(&array->base));
  std::thread signaller([f2] { dma_fence_signal(f2); });
  EXPECT_EQ(dma_fence_wait(&array->base, false), 0);
  signaller.join();
  EXPECT_EQ(dma_fence_get_status(&array->base), 1);
  dma_fence_put(&array->base);
  SignalAndPut({f1, f2});
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaFenceArray, SignalOnAnySignalsWithTheFirstMember) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence_array* array = NewArray({f1, f2}, /*signal_on_any=*/true);
  dma_fence_enable_sw_signaling(&array->base);
  dma_fence_signal(f2);
  EXPECT_EQ(dma_fence_wait(&array->base, false), 0);
  EXPECT_EQ(dma_fence_get_status(&array->base), 1);
  EXPECT_FALSE(dma_fence_is_signaled(f1));
  dma_fence_put(&array->base);
  SignalAndPut({f1, f2});
}

TEST_F(DmaFenceArray, TheFirstMemberErrorIsTheArrays) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence_array* array = NewArray({f1, f2});
  dma_fence_enable_sw_signaling(&array->base);
  EXPECT_EQ(dma_fence_get_status(&array->base), 0)
      << "the pending-error marker is not an error";
  dma_fence_set_error(f2, -EIO);
  dma_fence_signal(f2);
  dma_fence_set_error(f1, -ENOMEM);
  dma_fence_signal(f1);
  EXPECT_EQ(dma_fence_wait(&array->base, false), 0);
  EXPECT_EQ(dma_fence_get_status(&array->base), -EIO);
  dma_fence_put(&array->base);
  SignalAndPut({f1, f2});
}

TEST_F(DmaFenceArray, MembersAlreadySignalledSignalItAtOnce) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  dma_fence_signal(f1);
  dma_fence_signal(f2);
  struct dma_fence_array* array = NewArray({f1, f2});
  // Polled without enabling: ->signaled looks at the members.
  EXPECT_TRUE(dma_fence_is_signaled(&array->base));
  EXPECT_EQ(dma_fence_get_status(&array->base), 1);
  struct dma_fence_array* other = NewArray({f1, f2});
  dma_fence_enable_sw_signaling(&other->base);
  EXPECT_TRUE(dma_fence_is_signaled(&other->base));
  dma_fence_put(&array->base);
  dma_fence_put(&other->base);
  SignalAndPut({f1, f2});
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(DmaFenceArray, EveryPendingCallbackKeepsTheArrayAlive) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence_array* array = NewArray({f1, f2});
  dma_fence_enable_sw_signaling(&array->base);
  // The creator lets go first: the member callbacks still hold the array.
  dma_fence_put(&array->base);
  dma_fence_signal(f1);
  dma_fence_signal(f2);
  irq_work_run();
  // Released with its members' references: the fixture counts them.
  SignalAndPut({f1, f2});
}

TEST_F(DmaFenceArray, HelpersSeeMembersAndContexts) {
  const u64 ctx = dma_fence_context_alloc(1);
  struct dma_fence* f1 = MockFence(ctx, 1);
  struct dma_fence* f2 = MockFence(ctx, 2);
  struct dma_fence_array* array = NewArray({f1, f2});
  EXPECT_TRUE(dma_fence_match_context(&array->base, ctx));
  EXPECT_FALSE(dma_fence_match_context(&array->base, ctx + 1));
  EXPECT_TRUE(dma_fence_match_context(f1, ctx));
  EXPECT_TRUE(dma_fence_is_container(&array->base));
  EXPECT_FALSE(dma_fence_is_container(f1));
  std::vector<struct dma_fence*> seen;
  struct dma_fence* f;
  unsigned index;
  dma_fence_array_for_each(f, index, &array->base) seen.push_back(f);
  EXPECT_THAT(seen, ElementsAre(f1, f2));
  EXPECT_EQ(dma_fence_array_first(f1), f1);
  EXPECT_EQ(dma_fence_array_next(f1, 1), nullptr);
  EXPECT_EQ(dma_fence_array_first(nullptr), nullptr);
  dma_fence_put(&array->base);
  SignalAndPut({f1, f2});
}

TEST_F(DmaFenceArray, DeadlinesReachEveryMember) {
  struct sync_timeline* tl = sync_timeline_create("array");
  struct sync_pt* a = sync_pt_create(tl, 1);
  struct sync_pt* b = sync_pt_create(tl, 2);
  struct dma_fence_array* array = NewArray({&a->base, &b->base});
  dma_fence_set_deadline(&array->base, 777);
  ktime_t deadline = 0;
  EXPECT_EQ(sync_pt_get_deadline(&a->base, &deadline), 0);
  EXPECT_EQ(deadline, 777);
  EXPECT_EQ(sync_pt_get_deadline(&b->base, &deadline), 0);
  EXPECT_EQ(deadline, 777);
  dma_fence_put(&array->base);
  dma_fence_put(&a->base);
  dma_fence_put(&b->base);
  sw_sync_release(tl);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Linux signals the array from irq_work, in hard-irq context, with the
// array's lock held around its callbacks: a callback taking a driver lock
// with plain spin_lock() makes that lock hard-irq-safe, and the same lock
// taken elsewhere with irqs on is the inconsistent state Linux reports.
DEFINE_SPINLOCK(driver_lock);
std::atomic<int> cb_in_irq{-1};
std::atomic<bool> cb_held_array_lock{false};

void driver_cb(struct dma_fence* fence, struct dma_fence_cb*) {
  cb_in_irq.store(in_irq() ? 1 : 0);
  cb_held_array_lock.store(lockdep_is_held(dma_fence_spinlock(fence)));
  spin_lock(&driver_lock);
  spin_unlock(&driver_lock);
}

TEST_F(DmaFenceArray, CallbacksRunInHardIrqUnderTheArrayLock) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence_array* array = NewArray({f1});
  struct dma_fence_cb cb;
  ASSERT_EQ(dma_fence_add_callback(&array->base, &cb, driver_cb), 0);
  dma_fence_signal(f1);
  EXPECT_EQ(dma_fence_wait(&array->base, false), 0);
  irq_work_run();
  EXPECT_EQ(cb_in_irq.load(), 1);
  EXPECT_TRUE(cb_held_array_lock.load());
  EXPECT_THAT(Kinds(), IsEmpty());
  spin_lock(&driver_lock);  // process context, irqs on
  spin_unlock(&driver_lock);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kInconsistentLockState));
  dma_fence_put(&array->base);
  SignalAndPut({f1});
}

}  // namespace
