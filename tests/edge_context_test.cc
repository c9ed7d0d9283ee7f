// The context kept per dependency (runtime/graph/edge_context.h): the classes
// held every time it was made (gate locks) and the thread that made it,
// as the circular-dependency report's notes and the graph file carry them.
#include <string>
#include <thread>

#include "runtime/export/graph_snapshot.h"
#include "tests/test_support.h"

namespace {

using ::lockdep_test::FakeLock;
using ::lockdep_test::LockdepTest;
using ::lockdep_test::OnlyReport;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kGateNote[] = "note: every dependency of this cycle was taken holding ";
constexpr char kThreadNote[] = "note: every dependency of this cycle was taken by one thread";

lock_class_key gate_key, other_key, a_key, b_key;

class EdgeContextTest : public LockdepTest {
 protected:
  FakeLock gate{&gate_key, "gate"};
  FakeLock other{&other_key, "other"};
  FakeLock a{&a_key, "a"};
  FakeLock b{&b_key, "b"};

  // a then b, under `outer` when given.
  void TakeAB(FakeLock* outer) {
    if (outer) outer->Lock();
    a.Lock();
    b.Lock();
    b.Unlock();
    a.Unlock();
    if (outer) outer->Unlock();
  }
  void TakeBA(FakeLock* outer) {
    if (outer) outer->Lock();
    b.Lock();
    a.Lock();
    a.Unlock();
    b.Unlock();
    if (outer) outer->Unlock();
  }
};

TEST_F(EdgeContextTest, BothOrdersUnderOneGateAreReportedWithIt) {
  std::thread([&] { TakeAB(&gate); }).join();
  std::thread([&] { TakeBA(&gate); }).join();
  const lockdep::Report r = OnlyReport();
  EXPECT_EQ(r.kind, lockdep::ReportKind::kCircularDependency);
  EXPECT_THAT(r.text, HasSubstr(std::string(kGateNote) + "gate\n"));
  EXPECT_THAT(r.text, Not(HasSubstr(kThreadNote)));
}

// A gate must hold every time: once a without it, the note goes.
TEST_F(EdgeContextTest, AGateMissedOnceIsNoGate) {
  TakeAB(&gate);
  TakeAB(&other);  // another held stack: the slow path sees it
  TakeBA(&gate);
  EXPECT_THAT(OnlyReport().text, Not(HasSubstr(kGateNote)));
}

TEST_F(EdgeContextTest, NoGateWhenNothingElseWasHeld) {
  std::thread([&] { TakeAB(nullptr); }).join();
  std::thread([&] { TakeBA(&gate); }).join();
  const lockdep::Report r = OnlyReport();
  EXPECT_EQ(r.kind, lockdep::ReportKind::kCircularDependency);
  EXPECT_THAT(r.text, Not(HasSubstr(kGateNote)));
}

TEST_F(EdgeContextTest, BothOrdersByOneThreadSaySo) {
  TakeAB(nullptr);
  TakeBA(nullptr);
  EXPECT_THAT(OnlyReport().text, HasSubstr(kThreadNote));
}

// The graph file keeps both: the gate class and the thread.
TEST_F(EdgeContextTest, SnapshotKeepsGatesAndThread) {
  std::thread([&] { TakeAB(&gate); }).join();
  TakeAB(&gate);  // same held stack, cached: changes nothing
  const lockdep::GraphSnapshot s = lockdep::TakeGraphSnapshot();
  bool found = false;
  for (const auto& e : s.edges) {
    if (s.classes[e.from].name != "a" || s.classes[e.to].name != "b") continue;
    found = true;
    ASSERT_NE(e.gates[0], 0u);
    EXPECT_EQ(s.classes[e.gates[0] - 1].name, "gate");
    EXPECT_EQ(e.gates[1], 0u);
    EXPECT_GT(e.thread, 0);
  }
  EXPECT_TRUE(found);
}

}  // namespace
