// The selftests' mock fence (Linux's st-dma-fence*.c: a fence with a lock
// beside it, named "mock"), counted so that every test can check it leaked
// none, and the fixture the fence-container suites share: it lets the
// irq_work thread finish before a test's checks and the graph reset.
#ifndef LOCKDEP_TESTS_FENCE_TEST_UTIL_H_
#define LOCKDEP_TESTS_FENCE_TEST_UTIL_H_

#include <atomic>
#include <vector>

#include "core/dma-fence-array.h"
#include "core/dma-fence-unwrap.h"
#include "core/dma-fence.h"
#include "core/irq_work.h"
#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace fence_test {

// Mock fences made and not yet released.
inline std::atomic<int> mock_live{0};

struct mock_fence {
  struct dma_fence base;
  spinlock_t lock;
};

inline const char* MockName(struct dma_fence*) { return "mock"; }

inline void MockRelease(struct dma_fence* f) {
  mock_live.fetch_sub(1);
  kfree(container_of(f, struct mock_fence, base));
}

inline const struct dma_fence_ops kMockOps = {
    .get_driver_name = MockName,
    .get_timeline_name = MockName,
    .release = MockRelease,
};

// A fence on `context` at `seqno` with its lock beside it (one lock class
// for every mock fence, as in Linux's selftests).
inline struct dma_fence* MockFence(u64 context, u64 seqno) {
  auto* f = static_cast<struct mock_fence*>(
      kmalloc(sizeof(struct mock_fence), GFP_KERNEL));
  spin_lock_init(&f->lock);
  dma_fence_init(&f->base, &kMockOps, &f->lock, context, seqno);
  mock_live.fetch_add(1);
  return &f->base;
}

// A fence on a timeline of its own, as st-dma-fence-unwrap.c's.
inline struct dma_fence* MockFence() {
  return MockFence(dma_fence_context_alloc(1), 1);
}

// An array over `members` on a timeline of its own, taking over the
// caller's reference to each (st-dma-fence-unwrap.c's mock_array()).
inline struct dma_fence_array* MockArray(std::vector<struct dma_fence*> members,
                                         bool signal_on_any = false) {
  auto** fences = static_cast<struct dma_fence**>(
      kmalloc(members.size() * sizeof(struct dma_fence*), GFP_KERNEL));
  for (size_t i = 0; i < members.size(); ++i) fences[i] = members[i];
  return dma_fence_array_create(static_cast<int>(members.size()), fences,
                                dma_fence_context_alloc(1), 1, signal_on_any);
}

// The plain fences dma_fence_unwrap_for_each() gives for `head`, in order.
inline std::vector<struct dma_fence*> Unwrapped(struct dma_fence* head) {
  std::vector<struct dma_fence*> seen;
  struct dma_fence* fence;
  struct dma_fence_unwrap iter;
  dma_fence_unwrap_for_each(fence, &iter, head) seen.push_back(fence);
  return seen;
}

// Signals each fence (if still pending) and drops the caller's reference.
inline void SignalAndPut(std::vector<struct dma_fence*> fences) {
  for (auto* f : fences) {
    dma_fence_signal(f);
    dma_fence_put(f);
  }
}

// Every test ends with the irq_work queue idle, no mock fence alive and no
// report beyond what it asserted.
class FenceTest : public lockdep_test::LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    live_at_start_ = mock_live.load();
  }
  void TearDown() override {
    irq_work_run();
    EXPECT_EQ(mock_live.load(), live_at_start_) << "mock fences leaked";
    LockdepTest::TearDown();
  }

 private:
  int live_at_start_ = 0;
};

}  // namespace fence_test

#endif  // LOCKDEP_TESTS_FENCE_TEST_UTIL_H_
