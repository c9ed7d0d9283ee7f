// lockgraph on generated graphs (tools/synthetic_graph.h) much larger than a
// test binary writes, with planted cycles: merge, cycles, path and diff give
// the right answers. Sizes are moderate so that sanitizer builds stay quick;
// README.md gives measured times for 100,000 classes and 1,000,000
// dependencies (tools:gen_graph).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/graph_file.h"
#include "tools/synthetic_graph.h"

extern char** environ;

namespace {

using ::testing::HasSubstr;

std::string Tmp(const std::string& name) { return std::string(std::getenv("TEST_TMPDIR")) + "/" + name; }

// Runs lockgraph with stdout to `out`; returns its exit status.
int Lockgraph(std::vector<std::string> args, const std::string& out) {
  args.insert(args.begin(), "tools/lockgraph");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  int status = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) == 0) waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&fa);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Slurp(const std::string& path) {
  std::string s;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) s.append(buf, n);
    std::fclose(f);
  }
  return s;
}

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
  EXPECT_EQ(Lockgraph({"cycles", Tmp("a.pb")}, Tmp("out")), 0);
  EXPECT_THAT(Slurp(Tmp("out")), HasSubstr("no cycles in 20000 classes and 200000 dependencies"));
}

TEST_F(LargeGraph, MergeThenCyclesFindsEveryPlantedCycle) {
  ASSERT_EQ(Lockgraph({"merge", "-o", Tmp("m.pb"), Tmp("a.pb"), Tmp("b.pb")}, Tmp("out")), 0);
  absl::StatusOr<lockdep::graph::Graph> m = lockdep::ReadGraphFile(Tmp("m.pb"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->classes_size(), 20000) << "same classes in both inputs";
  EXPECT_GT(m->dependencies_size(), 200000);
  EXPECT_EQ(Lockgraph({"cycles", Tmp("m.pb")}, Tmp("out")), 1);
  const std::string out = Slurp(Tmp("out"));
  for (int k = 0; k < 5; ++k) {
    const std::string a = "class_" + std::to_string(2 * k), b = "class_" + std::to_string(2 * k + 1);
    EXPECT_THAT(out, HasSubstr(": " + a + " -> " + b + " -> " + a + "\n"));
  }
  EXPECT_THAT(out, HasSubstr("5 cycle(s); 10 dependencies lie on cycles"));
}

TEST_F(LargeGraph, DiffAndPath) {
  EXPECT_EQ(Lockgraph({"diff", Tmp("a.pb"), Tmp("b.pb")}, Tmp("out")), 1);
  EXPECT_THAT(Slurp(Tmp("out")), HasSubstr("+ dependency  class_1 -> class_0 [EN]"));
  EXPECT_EQ(Lockgraph({"path", Tmp("b.pb"), "class_1", "class_0"}, Tmp("out")), 0);
  EXPECT_THAT(Slurp(Tmp("out")), HasSubstr("class_1 comes before class_0 through 1 dependency"));
  EXPECT_EQ(Lockgraph({"path", Tmp("a.pb"), "class_19999", "class_0"}, Tmp("out")), 1);
}

}  // namespace
