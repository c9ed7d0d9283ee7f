// The check_chains self-check: a chain key cached for other held classes (a
// collision, forced here by planting it) is reported and the chain validated,
// where without the check its dependency would silently be skipped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/graph/chain_check.h"
#include "runtime/graph/fake_lock.h"
#include "runtime/lockdep.h"
#include "runtime/report.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

lock_class_key key_a, key_b, key_c;

class ChainCheckTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    saved_ = g_check_chains.load();
    g_check_chains.store(GetParam());
    ResetForTesting();
  }
  void TearDown() override {
    ResetForTesting();
    g_check_chains.store(saved_);
  }
  bool saved_ = false;
};

// Plants the key of the chain (a, b) as if the chain (c, b) had made it.
void PlantCollision(const FakeLock& a, const FakeLock& b, const FakeLock& c) {
  const ClassRegistry& classes = Graph().classes;
  uint64_t key = ExtendChainKey(
      ExtendChainKey(ContextChainSeed(0), a.id(), classes.at(a.id()).generation.load(), 0),
      b.id(), classes.at(b.id()).generation.load(), 0);
  HeldLock fake_c{}, fake_b{};
  fake_c.class_id = c.id();
  fake_b.class_id = b.id();
  GraphState& g = Graph();
  InternalLock lock(GraphState::mu);
  ASSERT_TRUE(g.chains.Insert(key));
  g.chain_check.Record(key, {ChainEntry(fake_c), ChainEntry(fake_b)});
}

TEST_P(ChainCheckTest, PlantedCollision) {
  FakeLock a("A", &key_a), b("B", &key_b), c("C", &key_c);
  for (FakeLock* l : {&a, &b, &c}) {  // register the classes
    l->Lock();
    l->Unlock();
  }
  PlantCollision(a, b, c);
  a.Lock();
  b.Lock();  // the planted key: a hit
  b.Unlock();
  a.Unlock();
  b.Lock();
  a.Lock();  // ABBA, if a -> b was learnt
  a.Unlock();
  b.Unlock();
  if (GetParam()) {
    EXPECT_THAT(CollectedKinds(), ElementsAre(ReportKind::kChainKeyCollision,
                                     ReportKind::kCircularDependency));
    EXPECT_EQ(CollectedReports()[0].title, "BUG: lockdep chain key collision");
  } else {
    // What the check exists for: the collision hid the deadlock.
    EXPECT_THAT(CollectedKinds(), IsEmpty());
  }
}

// Genuine hits pass the check: a long run of repeated chains, no report.
TEST_P(ChainCheckTest, GenuineHitsPass) {
  FakeLock a("A", &key_a), b("B", &key_b), c("C", &key_c);
  for (int i = 0; i < 100; ++i) {
    a.Lock();
    b.Lock();
    c.Lock();
    c.Unlock();
    b.Unlock();
    a.Unlock();
  }
  EXPECT_THAT(CollectedKinds(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(CheckChains, ChainCheckTest, ::testing::Bool());

}  // namespace
}  // namespace lockdep
