// Keys going away: lockdep_unregister_key() and lockdep_free_key_range()
// forget only their classes (other chains stay cached), class ids are reused
// safely (a reused id never inherits the old class's chains), and a program
// that registers and unregisters keys all day never reaches a limit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "runtime/lockdep.h"
#include "runtime/report.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<ReportKind> Kinds() {
  std::vector<ReportKind> kinds;
  for (const Report& r : CollectedReports()) kinds.push_back(r.kind);
  return kinds;
}

struct Lock {
  lockdep_map map;
  Lock(const char* name, lock_class_key* key) { lockdep_init_map(&map, name, key, 0); }
  void Take() { lock_acquire(&map, 0, 0, 0, 1, nullptr, LOCKDEP_THIS_IP); }
  void Drop() { lock_release(&map, LOCKDEP_THIS_IP); }
  ClassId id() const { return map.class_cache[0].load(); }
};

void Pair(Lock& first, Lock& second) {
  first.Take();
  second.Take();
  second.Drop();
  first.Drop();
}

class KeyLifetimeTest : public ::testing::Test {
 protected:
  void SetUp() override { ResetForTesting(); }
  void TearDown() override { ResetForTesting(); }
};

lock_class_key key_a, key_b, key_c;

// The chain (a, b) of this thread stays cached when another key goes away.
TEST_F(KeyLifetimeTest, UnregisterKeepsOtherChainsCached) {
  Lock a("A", &key_a), b("B", &key_b);
  Pair(a, b);
  const ClassRegistry& classes = Graph().classes;
  const uint64_t ab = ExtendChainKey(
      ExtendChainKey(ContextChainSeed(0), a.id(), classes.at(a.id()).generation.load(), 0),
      b.id(), classes.at(b.id()).generation.load(), 0);
  ASSERT_TRUE(Graph().chains.Contains(ab));
  auto dynamic = std::make_unique<lock_class_key>();
  lockdep_register_key(dynamic.get());
  Lock d("D", dynamic.get());
  Pair(a, d);
  lockdep_unregister_key(dynamic.get());
  EXPECT_TRUE(Graph().chains.Contains(ab)) << "an unrelated chain was flushed";
}

// A reused class id does not inherit the chains of the class it replaces:
// (a, x) cached, x's key unregistered, z gets x's id, then a -> z and z -> a
// must be an ABBA.
TEST_F(KeyLifetimeTest, ReusedIdDoesNotInheritChains) {
  Lock a("A", &key_a);
  auto kx = std::make_unique<lock_class_key>();
  lockdep_register_key(kx.get());
  Lock x("X", kx.get());
  Pair(a, x);
  const ClassId x_id = x.id();
  lockdep_unregister_key(kx.get());

  auto kz = std::make_unique<lock_class_key>();
  lockdep_register_key(kz.get());
  Lock z("Z", kz.get());
  z.Take();
  z.Drop();
  ASSERT_EQ(z.id(), x_id) << "the freed id is reused";
  Pair(a, z);  // the same class ids as the cached (a, x): must be validated
  Pair(z, a);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  lockdep_unregister_key(kz.get());
}

// All day: far more classes and chains come and go than the tables hold.
TEST_F(KeyLifetimeTest, RegisterUnregisterForeverReachesNoLimit) {
  Lock outer("outer", &key_a);
  const size_t classes_before = Graph().classes.size();
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr int kRounds = 70000;  // still past the 65,536-chain table
#else
  constexpr int kRounds = 100000;
#endif
  for (int i = 0; i < kRounds; ++i) {
    lock_class_key key;
    lockdep_register_key(&key);
    Lock l("churn", &key);
    Pair(outer, l);  // a new class, dependency and chain each round
    lockdep_unregister_key(&key);
  }
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_TRUE(ValidationEnabled());
  EXPECT_LE(Graph().classes.size(), classes_before + 1);
  // Still validating: a real inversion after all that churn is reported.
  Lock b("B", &key_b);
  Pair(outer, b);
  Pair(b, outer);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

// Static keys of a library about to be dlclose()d.
lock_class_key library_keys[4];

TEST_F(KeyLifetimeTest, FreeKeyRangeForgetsClassesKeyedThere) {
  Lock in0("lib0", &library_keys[0]), in1("lib1", &library_keys[1]);
  Lock out("outside", &key_c);
  Pair(in0, in1);
  Pair(out, in0);
  const size_t before = Graph().classes.size();
  lockdep_free_key_range(library_keys, sizeof(library_keys));
  EXPECT_EQ(Graph().classes.size(), before - 2);
  // The old orders are forgotten with the classes: the reverse is now new.
  Pair(in1, in0);
  Pair(in0, out);
  EXPECT_THAT(Kinds(), IsEmpty());
  // The class outside the range kept its own edges: out -> ... still known.
  EXPECT_EQ(Graph().classes.Find(reinterpret_cast<ClassKey>(&key_c)), out.id());
}

}  // namespace
}  // namespace lockdep
