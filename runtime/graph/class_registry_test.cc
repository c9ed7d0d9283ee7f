// The class registry on its own: random registrations and removals (enough
// to force its tombstone rehash) keep every invariant (CheckInvariants);
// every live key finds its class, no removed key finds one, and a removed
// id's generation moves on, so chains cached through it never match again.
#include "runtime/graph/class_registry.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>

namespace lockdep {
namespace {

TEST(ClassRegistry, RandomRegistrationsAndRemovalsKeepItsInvariants) {
  auto classes = std::make_unique<ClassRegistry>();
  std::mt19937 rng(777);
  std::map<ClassKey, ClassId> live;
  std::map<ClassKey, bool> removed;
  ClassKey next_key = 0x10000;
  for (int step = 0; step < 60000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      if (live.size() >= kMaxClasses - 1) continue;
      const ClassKey key = (next_key += 8);
      ASSERT_EQ(classes->Find(key), kNoClass);
      const ClassId id = classes->Add(key, 0, "c");
      ASSERT_NE(id, kNoClass);
      live[key] = id;
    } else {
      auto it = std::next(live.begin(), long(rng() % live.size()));
      const uint32_t generation = classes->at(it->second).generation.load();
      classes->Remove(it->second);
      ASSERT_EQ(classes->at(it->second).generation.load(), generation + 1);
      removed[it->first] = true;
      live.erase(it);
    }
    if (step % 5000 == 0) {
      ASSERT_EQ(classes->CheckInvariants(), "") << "after step " << step;
    }
  }
  ASSERT_EQ(classes->CheckInvariants(), "");
  EXPECT_EQ(classes->size(), live.size());
  for (const auto& [key, id] : live) ASSERT_EQ(classes->Find(key), id);
  for (const auto& [key, gone] : removed) ASSERT_EQ(classes->Find(key), kNoClass);
  classes->Clear();
  ASSERT_EQ(classes->CheckInvariants(), "");
  for (const auto& [key, id] : live) ASSERT_EQ(classes->Find(key), kNoClass);
}

TEST(ClassRegistry, AddReportsTheLimitInsteadOfOverflowing) {
  auto classes = std::make_unique<ClassRegistry>();
  for (size_t i = 0; i < kMaxClasses; ++i) ASSERT_NE(classes->Add(0x100 + 8 * i, 0, "c"), kNoClass);
  EXPECT_EQ(classes->Add(0x100 + 8 * kMaxClasses, 0, "c"), kNoClass);
  EXPECT_EQ(classes->CheckInvariants(), "");
}

}  // namespace
}  // namespace lockdep
