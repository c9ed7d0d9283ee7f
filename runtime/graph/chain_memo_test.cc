// The per-thread memo of chains (ChainMemo, thread_state.h) skips the hash
// and the chain table for pushes the thread made before. Run without
// check_chains, which validates every push and so would hide a wrong skip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/graph/fake_lock.h"

namespace lockdep {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

lock_class_key key_a, key_b, key_c;

class ChainMemoTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetForTesting(); }
  FakeLock a{"A", &key_a}, b{"B", &key_b}, c{"C", &key_c};
};

// A reset empties the graph and the chain table and moves every class to a
// new generation: the same pushes are validated again, or A -> B would be
// missing from the new graph and B -> A would close no cycle.
TEST_F(ChainMemoTest, PushesRememberedBeforeAResetAreValidatedAgain) {
  for (int i = 0; i < 3; ++i) {  // from the second time on: remembered
    a.Lock(); b.Lock(); b.Unlock(); a.Unlock();
  }
  ResetForTesting();
  a.Lock(); b.Lock(); b.Unlock(); a.Unlock();
  b.Lock(); a.Lock(); a.Unlock(); b.Unlock();
  EXPECT_THAT(CollectedKinds(), ElementsAre(ReportKind::kCircularDependency));
}

// The memo is keyed by the chain below, not by the depth alone: C on top of
// A is a new push even though C was remembered on top of B at that depth.
TEST_F(ChainMemoTest, TheSameLockOnAnotherChainIsANewPush) {
  for (int i = 0; i < 3; ++i) {
    b.Lock(); c.Lock(); c.Unlock(); b.Unlock();
  }
  a.Lock(); c.Lock(); c.Unlock(); a.Unlock();  // A -> C: new
  c.Lock(); a.Lock(); a.Unlock(); c.Unlock();  // closes A -> C -> A
  EXPECT_THAT(CollectedKinds(), ElementsAre(ReportKind::kCircularDependency));
}

// A remembered push is still a push: order kept, nothing reported.
TEST_F(ChainMemoTest, RememberedPushesStayQuiet) {
  for (int i = 0; i < 100; ++i) {
    a.Lock(); b.Lock(); c.Lock(); c.Unlock(); b.Unlock(); a.Unlock();
  }
  EXPECT_THAT(CollectedKinds(), IsEmpty());
}

}  // namespace
}  // namespace lockdep
