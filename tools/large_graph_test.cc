// lockgraph on generated graphs (tools/synthetic_graph.h) much larger than a
// test binary writes, with planted cycles: merge, cycles, path and diff give
// the right answers. Sizes are moderate so that sanitizer builds stay quick;
// README.md gives measured times for 100,000 classes and 1,000,000
// dependencies (tools:gen_graph).
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/export/graph_file.h"
#include "tools/lockgraph_test_support.h"
#include "tools/synthetic_graph.h"

namespace {

using ::lockdep::tools::Lockgraph;
using ::lockdep::tools::Outcome;
using ::lockdep::tools::Tmp;
using ::testing::HasSubstr;

class LargeGraph : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lockdep::tools::SyntheticSpec spec;
    spec.classes = 20000;
    spec.dependencies = 200000;
    spec.cycles = 0;
    spec.seed = 1;
    ASSERT_TRUE(lockdep::WriteGraphFile(Tmp("a.pb"), lockdep::tools::SyntheticGraph(spec)).ok());
    spec.seed = 2;
    spec.cycles = 5;
    ASSERT_TRUE(lockdep::WriteGraphFile(Tmp("b.pb"), lockdep::tools::SyntheticGraph(spec)).ok());
  }
};

TEST_F(LargeGraph, AcyclicInputHasNoCycles) {
  const Outcome r = Lockgraph({"cycles", Tmp("a.pb")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("no cycles in 20000 classes and 200000 dependencies"));
}

TEST_F(LargeGraph, MergeThenCyclesFindsEveryPlantedCycle) {
  ASSERT_EQ(Lockgraph({"merge", "-o", Tmp("m.pb"), Tmp("a.pb"), Tmp("b.pb")}).exit_code, 0);
  absl::StatusOr<lockdep::graph::Graph> m = lockdep::ReadGraphFile(Tmp("m.pb"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->classes_size(), 20000) << "same classes in both inputs";
  EXPECT_GT(m->dependencies_size(), 200000);
  const Outcome r = Lockgraph({"cycles", Tmp("m.pb")});
  EXPECT_EQ(r.exit_code, 1);
  const std::string& out = r.out;
  for (int k = 0; k < 5; ++k) {
    const std::string a = "class_" + std::to_string(2 * k), b = "class_" + std::to_string(2 * k + 1);
    EXPECT_THAT(out, HasSubstr(": " + a + " -> " + b + " -> " + a + "\n"));
  }
  EXPECT_THAT(out, HasSubstr("5 cycle(s); 10 dependencies lie on cycles"));
}

TEST_F(LargeGraph, DiffAndPath) {
  Outcome r = Lockgraph({"diff", Tmp("a.pb"), Tmp("b.pb")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("+ dependency  class_1 -> class_0 [EN]"));
  r = Lockgraph({"path", Tmp("b.pb"), "class_1", "class_0"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("class_1 comes before class_0 through 1 dependency"));
  EXPECT_EQ(Lockgraph({"path", Tmp("a.pb"), "class_19999", "class_0"}).exit_code, 1);
}

}  // namespace
