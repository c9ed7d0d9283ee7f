// Linux's drivers/dma-buf/st-dma-fence-unwrap.c as GoogleTest cases:
// iterating the plain fences inside arrays, chains and chains of arrays,
// and merging them (duplicates, seqnos of one timeline, order, signalled
// fences filtered).
#include <utility>
#include <vector>

#include "core/dma-fence-array.h"
#include "core/dma-fence-chain.h"
#include "core/dma-fence-unwrap.h"
#include "core/dma-fence.h"
#include "instrument/kernel.h"
#include "tests/fence_test_util.h"

namespace {

using ::fence_test::FenceTest;
using ::fence_test::MockFence;
using ::fence_test::SignalAndPut;
using ::fence_test::Unwrapped;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class StDmaFenceUnwrap : public FenceTest {};

// An array over the fences given, taking over the caller's references.
struct dma_fence* mock_array(std::vector<struct dma_fence*> members) {
  return &fence_test::MockArray(std::move(members))->base;
}

// A node after `prev` adding `fence`, taking over both references.
struct dma_fence* mock_chain(struct dma_fence* prev, struct dma_fence* fence) {
  struct dma_fence_chain* f = dma_fence_chain_alloc();
  dma_fence_chain_init(f, prev, fence, 1);
  return &f->base;
}

TEST_F(StDmaFenceUnwrap, Sanitycheck) {
  struct dma_fence* f = MockFence();
  dma_fence_enable_sw_signaling(f);
  struct dma_fence* array = mock_array({dma_fence_get(f)});
  struct dma_fence* chain = mock_chain(nullptr, array);
  dma_fence_put(chain);
  SignalAndPut({f});
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFenceUnwrap, UnwrapArray) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence* array = mock_array({dma_fence_get(f1), dma_fence_get(f2)});
  EXPECT_THAT(Unwrapped(array), ElementsAre(f1, f2));
  dma_fence_put(array);
  SignalAndPut({f1, f2});
}

TEST_F(StDmaFenceUnwrap, UnwrapChain) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence* chain = mock_chain(dma_fence_get(f1), dma_fence_get(f2));
  EXPECT_THAT(Unwrapped(chain), ElementsAre(f2, f1));
  dma_fence_put(chain);
  SignalAndPut({f1, f2});
}

TEST_F(StDmaFenceUnwrap, UnwrapChainArray) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence* array = mock_array({dma_fence_get(f1), dma_fence_get(f2)});
  struct dma_fence* chain = mock_chain(nullptr, array);
  EXPECT_THAT(Unwrapped(chain), ElementsAre(f1, f2));
  dma_fence_put(chain);
  SignalAndPut({f1, f2});
}

TEST_F(StDmaFenceUnwrap, UnwrapMerge) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence* f3 = dma_fence_unwrap_merge(f1, f2);
  ASSERT_NE(f3, nullptr);
  EXPECT_THAT(Unwrapped(f3), UnorderedElementsAre(f1, f2));
  dma_fence_put(f3);
  SignalAndPut({f1, f2});
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFenceUnwrap, UnwrapMergeDuplicate) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = dma_fence_unwrap_merge(f1, f1);
  EXPECT_EQ(f2, f1) << "one pending fence is returned as it is";
  EXPECT_THAT(Unwrapped(f2), ElementsAre(f1));
  dma_fence_put(f2);
  SignalAndPut({f1});
}

TEST_F(StDmaFenceUnwrap, UnwrapMergeSeqno) {
  const u64 ctx0 = dma_fence_context_alloc(1);
  const u64 ctx1 = dma_fence_context_alloc(1);
  struct dma_fence* f1 = MockFence(ctx1, 1);
  struct dma_fence* f2 = MockFence(ctx1, 2);
  struct dma_fence* f3 = MockFence(ctx0, 1);
  struct dma_fence* f4 = dma_fence_unwrap_merge(f1, f2, f3);
  // Timelines in order; of ctx1 only the later f2.
  EXPECT_THAT(Unwrapped(f4), ElementsAre(f3, f2));
  dma_fence_put(f4);
  SignalAndPut({f1, f2, f3});
}

TEST_F(StDmaFenceUnwrap, UnwrapMergeOrder) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence* a1 = mock_array({dma_fence_get(f1), dma_fence_get(f2)});
  struct dma_fence* c1 = mock_chain(nullptr, dma_fence_get(f1));
  struct dma_fence* c2 = mock_chain(c1, dma_fence_get(f2));
  // The chain holds a1's fences in the opposite order.
  struct dma_fence* a2 = dma_fence_unwrap_merge(a1, c2);
  EXPECT_THAT(Unwrapped(a2), ElementsAre(f1, f2));
  dma_fence_put(a2);
  dma_fence_put(a1);
  dma_fence_put(c2);
  SignalAndPut({f1, f2});
}

TEST_F(StDmaFenceUnwrap, UnwrapMergeComplex) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  struct dma_fence* f3 = dma_fence_unwrap_merge(f1, f2);
  struct dma_fence* f4 = mock_array({dma_fence_get(f2), dma_fence_get(f1)});
  struct dma_fence* stub = dma_fence_get_stub();
  // Signalled fences are filtered, the two arrays merged.
  struct dma_fence* f5 = dma_fence_unwrap_merge(f3, f4, stub);
  EXPECT_THAT(Unwrapped(f5), UnorderedElementsAre(f1, f2));
  dma_fence_put(stub);
  for (auto* f : {f5, f4, f3}) dma_fence_put(f);
  SignalAndPut({f1, f2});
}

TEST_F(StDmaFenceUnwrap, UnwrapMergeComplexSeqno) {
  const u64 ctx0 = dma_fence_context_alloc(1);
  const u64 ctx1 = dma_fence_context_alloc(1);
  struct dma_fence* f1 = MockFence(ctx0, 2);
  struct dma_fence* f2 = MockFence(ctx1, 1);
  struct dma_fence* f3 = MockFence(ctx0, 1);
  struct dma_fence* f4 = MockFence(ctx1, 2);
  struct dma_fence* f5 = mock_array({dma_fence_get(f1), dma_fence_get(f2)});
  struct dma_fence* f6 = mock_array({dma_fence_get(f3), dma_fence_get(f4)});
  struct dma_fence* f7 = dma_fence_unwrap_merge(f5, f6);
  EXPECT_THAT(Unwrapped(f7), ElementsAre(f1, f4));
  for (auto* f : {f7, f6, f5}) dma_fence_put(f);
  SignalAndPut({f1, f2, f3, f4});
}

// Beyond Linux's cases: nothing pending gives a private signalled stub with
// the latest timestamp.
TEST_F(StDmaFenceUnwrap, MergingOnlySignalledFencesGivesAStubAtTheLastTime) {
  struct dma_fence* f1 = MockFence();
  struct dma_fence* f2 = MockFence();
  dma_fence_signal_timestamp(f1, 100);
  dma_fence_signal_timestamp(f2, 300);
  struct dma_fence* merged = dma_fence_unwrap_merge(f1, f2);
  ASSERT_NE(merged, nullptr);
  EXPECT_TRUE(dma_fence_is_signaled(merged));
  EXPECT_EQ(dma_fence_timestamp(merged), 300);
  EXPECT_NE(merged, dma_fence_get_stub());
  dma_fence_put(dma_fence_get_stub());
  dma_fence_put(merged);
  SignalAndPut({f1, f2});
}

}  // namespace
