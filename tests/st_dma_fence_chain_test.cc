// Linux's drivers/dma-buf/st-dma-fence-chain.c as GoogleTest cases: finding
// seqnos on a chain (in order, signalled, out of order, with gaps, racing
// signallers), signalling forwards and backwards, and waiting on the tail
// while the fences signal in order, in reverse and at random. The load
// cases are bounded by iterations (each lookup walks up to the whole chain,
// so find_race runs a few hundred, not Linux's 5 seconds), and their chains
// are shortened under tsan.
#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "core/dma-fence-chain.h"
#include "core/dma-fence-unwrap.h"
#include "core/dma-fence.h"
#include "instrument/kernel.h"
#include "tests/fence_test_util.h"

namespace {

using ::fence_test::FenceTest;
using ::fence_test::MockFence;
using ::lockdep_test::Kinds;
using ::testing::IsEmpty;

#ifdef LOCKDEP_TSAN
constexpr unsigned kChainSz = 512;
constexpr int kFindRaceIterations = 100;
#else
constexpr unsigned kChainSz = 4 << 10;  // Linux's CHAIN_SZ
constexpr int kFindRaceIterations = 400;
#endif

class StDmaFenceChain : public FenceTest {};

// A node after `prev` adding `fence` at `seqno`; takes references to both.
struct dma_fence* mock_chain(struct dma_fence* prev, struct dma_fence* fence,
                             u64 seqno) {
  struct dma_fence_chain* f = dma_fence_chain_alloc();
  dma_fence_chain_init(f, dma_fence_get(prev), dma_fence_get(fence), seqno);
  return &f->base;
}

// `count` mock fences and a chain with one node per fence.
struct fence_chains {
  std::vector<struct dma_fence*> fences;
  std::vector<struct dma_fence*> chains;
  struct dma_fence* tail = nullptr;

  fence_chains(unsigned count, u64 (*seqno_fn)(unsigned)) {
    for (unsigned i = 0; i < count; i++) {
      fences.push_back(MockFence(0, 0));
      chains.push_back(mock_chain(tail, fences[i], seqno_fn(i)));
      tail = chains[i];
    }
  }
  ~fence_chains() {
    for (auto* f : fences) {
      dma_fence_signal(f);
      dma_fence_put(f);
    }
    for (auto* c : chains) dma_fence_put(c);
  }
  unsigned length() const { return static_cast<unsigned>(chains.size()); }
};

u64 seqno_inc(unsigned i) { return i + 1; }
u64 seqno_inc2(unsigned i) { return 2 * i + 2; }

// find_seqno on a fresh reference to `start`; the node found (its reference
// dropped, as Linux's tests do: they only compare pointers).
int find(struct dma_fence* start, u64 seqno, struct dma_fence** found) {
  struct dma_fence* fence = dma_fence_get(start);
  const int err = dma_fence_chain_find_seqno(&fence, seqno);
  dma_fence_put(fence);
  *found = fence;
  return err;
}

TEST_F(StDmaFenceChain, Sanitycheck) {
  struct dma_fence* f = MockFence(0, 0);
  struct dma_fence* chain = mock_chain(nullptr, f, 1);
  dma_fence_enable_sw_signaling(chain);
  dma_fence_signal(f);
  dma_fence_put(f);
  EXPECT_EQ(dma_fence_wait(chain, false), 0);
  dma_fence_put(chain);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFenceChain, FindSeqno) {
  fence_chains fc(64, seqno_inc);
  struct dma_fence* fence;
  EXPECT_EQ(find(fc.tail, 0, &fence), 0);
  EXPECT_EQ(fence, fc.tail) << "find_seqno(0) moves nothing";
  for (unsigned i = 0; i < fc.length(); i++) {
    ASSERT_EQ(find(fc.tail, i + 1, &fence), 0) << i;
    ASSERT_EQ(fence, fc.chains[i]) << "find_seqno(" << i + 1 << ")";
    ASSERT_EQ(find(fc.chains[i], i + 1, &fence), 0) << "finding self";
    ASSERT_EQ(fence, fc.chains[i]);
    ASSERT_EQ(find(fc.chains[i], i + 2, &fence), -EINVAL)
        << "a future seqno";
    ASSERT_EQ(find(fc.chains[i], i, &fence), 0) << "the previous node";
    if (i > 0) {
      ASSERT_EQ(fence, fc.chains[i - 1]);
    }
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFenceChain, FindSignaled) {
  fence_chains fc(2, seqno_inc);
  dma_fence_signal(fc.fences[0]);
  struct dma_fence* fence;
  ASSERT_EQ(find(fc.tail, 1, &fence), 0);
  // Seqno 1 is done: nothing to wait for, or (not yet collected) its node.
  EXPECT_TRUE(fence == nullptr || fence == fc.chains[0]);
}

TEST_F(StDmaFenceChain, FindOutOfOrder) {
  fence_chains fc(3, seqno_inc);
  dma_fence_signal(fc.fences[1]);
  struct dma_fence* fence;
  ASSERT_EQ(find(fc.tail, 2, &fence), 0);
  // Fence 2 signalled but 1 did not: seqno 2 waits for all before it, so
  // the node to wait on is 1's (2's is dropped by the walk).
  EXPECT_EQ(fence, fc.chains[0]);
}

TEST_F(StDmaFenceChain, FindGap) {
  fence_chains fc(64, seqno_inc2);
  struct dma_fence* fence;
  for (unsigned i = 0; i < fc.length(); i++) {
    ASSERT_EQ(find(fc.tail, 2 * i + 1, &fence), 0);
    ASSERT_EQ(fence, fc.chains[i]) << "find_seqno(" << 2 * i + 1 << ")";
    ASSERT_EQ(find(fc.chains[i], 2 * i + 2, &fence), 0);
    ASSERT_EQ(fence, fc.chains[i]) << "finding self";
  }
}

// Threads looking up random seqnos while signalling random fences: every
// lookup succeeds, and a node found for its own seqno finds itself.
TEST_F(StDmaFenceChain, FindRace) {
  fence_chains fc(kChainSz, seqno_inc);
  std::atomic<int> errors{0};
  auto find_race = [&fc, &errors](unsigned seed) {
    std::minstd_rand rng(seed);
    for (int n = 0; n < kFindRaceIterations; n++) {
      struct dma_fence* fence = dma_fence_get(fc.tail);
      const u64 seqno = rng() % fc.length() + 1;
      if (dma_fence_chain_find_seqno(&fence, seqno)) {
        errors.fetch_add(1);
        dma_fence_put(fence);
        break;
      }
      if (fence && fence->seqno == seqno &&
          dma_fence_chain_find_seqno(&fence, seqno)) {
        errors.fetch_add(1);
        dma_fence_put(fence);
        break;
      }
      dma_fence_put(fence);
      dma_fence_signal(fc.fences[rng() % (fc.length() - 1)]);
    }
  };
  const unsigned ncpus =
      std::max(2u, std::min(4u, std::thread::hardware_concurrency()));
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < ncpus; i++) threads.emplace_back(find_race, i + 1);
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFenceChain, SignalForward) {
  fence_chains fc(64, seqno_inc);
  for (unsigned i = 0; i < fc.length(); i++) {
    dma_fence_signal(fc.fences[i]);
    ASSERT_TRUE(dma_fence_is_signaled(fc.chains[i])) << i;
    if (i + 1 < fc.length()) {
      ASSERT_FALSE(dma_fence_is_signaled(fc.chains[i + 1])) << i + 1;
    }
  }
}

TEST_F(StDmaFenceChain, SignalBackward) {
  fence_chains fc(64, seqno_inc);
  for (unsigned i = fc.length(); i--;) {
    dma_fence_signal(fc.fences[i]);
    if (i > 0) {
      ASSERT_FALSE(dma_fence_is_signaled(fc.chains[i])) << i;
    }
  }
  for (unsigned i = 0; i < fc.length(); i++) {
    ASSERT_TRUE(dma_fence_is_signaled(fc.chains[i])) << i;
  }
}

// A thread waits on the tail while this one signals every fence in `order`.
void wait_while_signalling(fence_chains* fc,
                           const std::vector<unsigned>& order) {
  std::atomic<long> waited{1};
  std::thread waiter([fc, &waited] {
    waited.store(dma_fence_wait(fc->tail, false));
  });
  for (unsigned i : order) dma_fence_signal(fc->fences[i]);
  waiter.join();
  EXPECT_EQ(waited.load(), 0);
  EXPECT_EQ(dma_fence_get_status(fc->tail), 1);
}

std::vector<unsigned> Indices(unsigned n) {
  std::vector<unsigned> v(n);
  for (unsigned i = 0; i < n; i++) v[i] = i;
  return v;
}

TEST_F(StDmaFenceChain, WaitForward) {
  fence_chains fc(kChainSz, seqno_inc);
  wait_while_signalling(&fc, Indices(fc.length()));
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFenceChain, WaitBackward) {
  fence_chains fc(kChainSz, seqno_inc);
  std::vector<unsigned> order = Indices(fc.length());
  std::reverse(order.begin(), order.end());
  wait_while_signalling(&fc, order);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(StDmaFenceChain, WaitRandom) {
  fence_chains fc(kChainSz, seqno_inc);
  std::vector<unsigned> order = Indices(fc.length());
  std::shuffle(order.begin(), order.end(), std::minstd_rand(42));
  wait_while_signalling(&fc, order);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ---------------------------------------------------------------------------
// Beyond Linux's cases: the node's error, timeline and the fence lock rule.

TEST_F(StDmaFenceChain, ANodeContinuesItsPredecessorsTimelineOnlyForward) {
  struct dma_fence* f = MockFence();
  struct dma_fence* a = mock_chain(nullptr, f, 5);
  struct dma_fence* b = mock_chain(a, f, 6);
  struct dma_fence* c = mock_chain(b, f, 3);  // backwards: a new timeline
  EXPECT_EQ(b->context, a->context);
  EXPECT_EQ(to_dma_fence_chain(b)->prev_seqno, 5u);
  EXPECT_NE(c->context, b->context);
  EXPECT_EQ(c->seqno, 6u) << "never lower than the node before";
  EXPECT_EQ(dma_fence_chain_contained(c), f);
  EXPECT_EQ(dma_fence_chain_contained(f), f);
  dma_fence_signal(f);
  for (auto* x : {c, b, a, f}) dma_fence_put(x);
}

TEST_F(StDmaFenceChain, TheNodeSignalsFromIrqWorkOutsideTheFenceLock) {
  struct dma_fence* f = MockFence();
  struct dma_fence* chain = mock_chain(nullptr, f, 1);
  static std::atomic<int> in_irq_seen{-1};
  static std::atomic<bool> held_seen{false};
  struct dma_fence_cb cb;
  ASSERT_EQ(dma_fence_add_callback(
                chain, &cb,
                [](struct dma_fence* fence, struct dma_fence_cb*) {
                  in_irq_seen.store(in_irq() ? 1 : 0);
                  held_seen.store(lockdep_is_held(dma_fence_spinlock(fence)));
                }),
            0);
  dma_fence_signal(f);
  EXPECT_EQ(dma_fence_wait(chain, false), 0);
  irq_work_run();
  EXPECT_EQ(in_irq_seen.load(), 1) << "Linux signals chains from irq_work";
  EXPECT_TRUE(held_seen.load()) << "callbacks run under the node's lock";
  dma_fence_put(chain);
  dma_fence_put(f);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// A node holding another chain's node: enabling the outer node adds its
// callback to the inner one under the outer node's lock, so two node locks
// (one class, dma_fence_chain_init's) nest. Linux's lockdep reports that as
// recursive locking, and so does this one: the core's nesting of fence locks
// of one class covers only a fence signalled from another fence's callbacks,
// not enable_signaling. The node still signals, and that path (the member's
// callback queues an irq_work, which signals each node outside the others'
// locks) adds no second report. Flattening first (dma_fence_unwrap_merge())
// leaves no node inside a node, and no report.
TEST_F(StDmaFenceChain, ANodeOfANodeNestsNodeLocksAsInLinux) {
  struct dma_fence* f = MockFence();
  struct dma_fence* inner = mock_chain(nullptr, f, 1);
  struct dma_fence* outer = mock_chain(nullptr, inner, 1);
  dma_fence_enable_sw_signaling(outer);
  EXPECT_THAT(Kinds(), testing::ElementsAre(
                           lockdep::ReportKind::kRecursiveLocking));
  std::thread signaller([f] { dma_fence_signal(f); });
  EXPECT_EQ(dma_fence_wait(outer, false), 0);
  signaller.join();
  irq_work_run();
  EXPECT_THAT(Kinds(), testing::ElementsAre(
                           lockdep::ReportKind::kRecursiveLocking));
  for (auto* x : {outer, inner, f}) dma_fence_put(x);
}

TEST_F(StDmaFenceChain, AFlattenedNodeOfANodeIsClean) {
  struct dma_fence* f = MockFence();
  struct dma_fence* inner = mock_chain(nullptr, f, 1);
  struct dma_fence* flat = dma_fence_unwrap_merge(inner);
  struct dma_fence* outer = mock_chain(nullptr, flat, 1);
  EXPECT_EQ(flat, f);
  dma_fence_enable_sw_signaling(outer);
  std::thread signaller([f] { dma_fence_signal(f); });
  EXPECT_EQ(dma_fence_wait(outer, false), 0);
  signaller.join();
  for (auto* x : {outer, flat, inner, f}) dma_fence_put(x);
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
