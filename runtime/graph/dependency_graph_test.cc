// The graph core on its own, against a plain model: random additions, class
// removals and usage changes keep every structural invariant (CheckInvariants,
// the ancestor usage summary included) and the model's edges; searches find a path exactly when the model has one, and
// the path they return is a real path; Linux's strong-path rule for
// recursive readers holds.
#include "runtime/graph/dependency_graph.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <utility>

#include "runtime/graph/class_registry.h"

namespace lockdep {
namespace {

struct Core {
  // The tables are large (mapped lazily): keep them off the stack.
  std::unique_ptr<ClassRegistry> classes = std::make_unique<ClassRegistry>();
  std::unique_ptr<DependencyGraph> graph = std::make_unique<DependencyGraph>(classes.get());

  ClassId AddClass(ClassKey key) { return classes->Add(key, 0, "c"); }
  void Check() {
    ASSERT_EQ(classes->CheckInvariants(), "");
    ASSERT_EQ(graph->CheckInvariants(), "");
  }
};

bool Reachable(const std::set<std::pair<ClassId, ClassId>>& edges, ClassId from, ClassId to) {
  std::set<ClassId> seen{from};
  std::deque<ClassId> queue{from};
  while (!queue.empty()) {
    ClassId c = queue.front();
    queue.pop_front();
    for (const auto& [a, b] : edges) {
      if (a != c) continue;
      if (b == to) return true;
      if (seen.insert(b).second) queue.push_back(b);
    }
  }
  return false;
}

TEST(DependencyGraph, RandomChangesKeepItsInvariantsAndTheModel) {
  Core core;
  std::mt19937 rng(12345);
  std::vector<ClassId> live;
  std::map<ClassId, ClassKey> key_of;
  std::set<std::pair<ClassId, ClassId>> model;
  ClassKey next_key = 0x1000;
  for (int step = 0; step < 4000; ++step) {
    const int op = int(rng() % 10);
    if (live.size() < 4 || op == 0) {
      const ClassKey key = (next_key += 8);
      const ClassId id = core.AddClass(key);
      ASSERT_NE(id, kNoClass);
      live.push_back(id);
      key_of[id] = key;
    } else if (op == 1 && live.size() > 4) {
      const size_t i = rng() % live.size();
      const ClassId gone = live[i];
      core.graph->RemoveClass(gone);
      core.classes->Remove(gone);
      live.erase(live.begin() + long(i));
      for (auto it = model.begin(); it != model.end();) {
        it = (it->first == gone || it->second == gone) ? model.erase(it) : std::next(it);
      }
    } else if (op == 2) {
      // A class gains a usage bit, as MarkUsage spreads it to what follows.
      const ClassId c = live[rng() % live.size()];
      LockClass& lc = core.classes->at(c);
      const uint16_t fresh = uint16_t(1u << (rng() % 9)) & ~lc.usage.load();
      lc.usage.fetch_or(fresh);
      core.graph->ForEachAfter(c, [&](uint32_t, const Dependency& d) {
        core.graph->SpreadAncestorUsage(d.to, fresh);
      });
    } else {
      const ClassId a = live[rng() % live.size()], b = live[rng() % live.size()];
      if (a == b || core.graph->Find(a, b) != nullptr) continue;
      ASSERT_NE(core.graph->Add(a, b, kDepEN, 0, 0), nullptr);
      model.insert({a, b});
    }
    if (step % 50 == 0) {
      ASSERT_NO_FATAL_FAILURE(core.Check()) << "after step " << step;
    }
  }
  ASSERT_NO_FATAL_FAILURE(core.Check());
  ASSERT_EQ(core.graph->size(), model.size());
  for (ClassId a : live) {
    for (ClassId b : live) {
      ASSERT_EQ(core.graph->Find(a, b) != nullptr, model.count({a, b}) == 1);
    }
  }
  // Every search agrees with the model, and returns a path that exists.
  for (int i = 0; i < 300; ++i) {
    const ClassId from = live[rng() % live.size()], to = live[rng() % live.size()];
    if (from == to) continue;
    const std::vector<uint32_t> path = core.graph->FindDeadlockPath(from, false, to, 0);
    ASSERT_EQ(!path.empty(), Reachable(model, from, to)) << from << " -> " << to;
    ClassId at = from;
    for (uint32_t e : path) {
      ASSERT_EQ(core.graph->at(e).from, at);
      at = core.graph->at(e).to;
    }
    if (!path.empty()) {
      ASSERT_EQ(at, to);
    }
  }
  core.graph->Clear();
  core.classes->Clear();
  ASSERT_NO_FATAL_FAILURE(core.Check());
}

TEST(DependencyGraph, ARecursiveReadStepMustBeFollowedByAnExclusiveHold) {
  Core core;
  const ClassId a = core.AddClass(0x10), b = core.AddClass(0x18), c = core.AddClass(0x20);
  // a held exclusively while b is taken as a recursive reader: -(ER)->.
  core.graph->Add(a, b, kDepER, 0, 0);
  // b held shared while c is taken: -(SN)->. After *R, only E* may follow.
  core.graph->Add(b, c, kDepSN, 0, 0);
  EXPECT_TRUE(core.graph->FindDeadlockPath(a, false, c, 0).empty());
  // Once b is also held exclusively while taking c, the path is strong.
  core.graph->Find(b, c)->types |= kDepEN;
  EXPECT_EQ(core.graph->FindDeadlockPath(a, false, c, 0).size(), 2u);
  ASSERT_NO_FATAL_FAILURE(core.Check());
}

TEST(DependencyGraph, RemovingAClassUnlinksItFromItsNeighboursLists) {
  Core core;
  const ClassId a = core.AddClass(0x10), b = core.AddClass(0x18), c = core.AddClass(0x20);
  core.graph->Add(a, b, kDepEN, 0, 0);
  core.graph->Add(b, c, kDepEN, 0, 0);
  core.graph->Add(c, a, kDepEN, 0, 0);
  core.graph->RemoveClass(b);
  core.classes->Remove(b);
  ASSERT_NO_FATAL_FAILURE(core.Check());
  EXPECT_EQ(core.graph->size(), 1u);
  EXPECT_EQ(core.graph->Find(a, b), nullptr);
  EXPECT_NE(core.graph->Find(c, a), nullptr);
  // The freed edge slots are reused.
  const ClassId d = core.AddClass(0x28);
  core.graph->Add(a, d, kDepEN, 0, 0);
  core.graph->Add(d, c, kDepEN, 0, 0);
  ASSERT_NO_FATAL_FAILURE(core.Check());
  EXPECT_EQ(core.graph->FindDeadlockPath(a, false, c, 0).size(), 2u);
}

}  // namespace
}  // namespace lockdep
