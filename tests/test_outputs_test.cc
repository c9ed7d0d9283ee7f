// Under `bazel test`, every process writes the lock graph of all its tests to
// TEST_UNDECLARED_OUTPUTS_DIR/lockdep_graph.<pid>.pb (where Bazel collects
// outputs), even though fixtures reset the graph between tests.
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/export/graph_file.h"

extern char** environ;

namespace {

// Runs the probe with TEST_UNDECLARED_OUTPUTS_DIR=`outputs`; returns its
// exit status, and its pid in `pid`.
int RunProbe(const std::string& outputs, pid_t* pid) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (std::string(*e).rfind("TEST_UNDECLARED_OUTPUTS_DIR=", 0) != 0) env.push_back(*e);
  }
  if (!outputs.empty()) env.push_back("TEST_UNDECLARED_OUTPUTS_DIR=" + outputs);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  char program[] = "tests/test_outputs_probe";
  char* argv[] = {program, nullptr};
  if (posix_spawn(pid, program, nullptr, nullptr, argv, envp.data()) != 0) return -1;
  int status = 0;
  waitpid(*pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Dir(const std::string& name) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

bool Has(const lockdep::graph::Graph& g, const std::string& from, const std::string& to) {
  for (const auto& d : g.dependencies()) {
    if (g.classes(int(d.from())).name() == from && g.classes(int(d.to())).name() == to) return true;
  }
  return false;
}

TEST(GraphOutputs, EveryTestsGraphLandsInTheOutputsDirectory) {
  const std::string dir = Dir("outputs");
  pid_t pid = 0;
  ASSERT_EQ(RunProbe(dir, &pid), 0);
  absl::StatusOr<lockdep::graph::Graph> g =
      lockdep::ReadGraphFile(dir + "/lockdep_graph." + std::to_string(pid) + ".pb");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(Has(*g, "first_lock", "second_lock"));
  EXPECT_TRUE(Has(*g, "second_lock", "third_lock"));
  EXPECT_EQ(g->processes(0).program(), "test_outputs_probe");
  EXPECT_EQ(g->processes(0).pid(), uint32_t(pid));
}

}  // namespace
