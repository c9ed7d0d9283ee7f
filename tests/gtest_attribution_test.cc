// //instrument:gtest_main charges a report to the running test: at the
// file:line the report points at in the program, or, for a program built
// without -g, at the test's own TEST line with the function named, never at
// glibc's start-up code.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

extern char** environ;

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Runs `program` with stdout and stderr into one file; returns their text.
std::string RunAndCapture(const char* program) {
  const std::string out = std::string(std::getenv("TEST_TMPDIR")) + "/probe.out";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  char* argv[] = {const_cast<char*>(program), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, program, &fa, nullptr, argv, environ) != 0) return "spawn failed";
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The line of `needle` in `path` (1-based), 0 when absent.
int LineOf(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(needle) != std::string::npos) return n;
  }
  return 0;
}

TEST(GtestAttribution, WithoutDebugInfoTheTestsOwnLineAndTheFunction) {
  const std::string out = RunAndCapture("tests/no_debug_info_probe");
  ASSERT_THAT(out, HasSubstr("possible circular locking dependency detected")) << out;
  const int test_line =
      LineOf("tests/no_debug_info_probe.cc", "gtest_attribution_test: this line");
  ASSERT_GT(test_line, 0);
  EXPECT_THAT(out, HasSubstr("tests/no_debug_info_probe.cc:" + std::to_string(test_line) +
                             ": Failure"))
      << out;
  EXPECT_THAT(out, HasSubstr("in (anonymous namespace)::TakeInOrder(mutex*, mutex*) (build "
                             "with -g for file:line)"))
      << out;
  EXPECT_THAT(out, Not(HasSubstr("libc_start_call_main.h:58: Failure"))) << out;
  EXPECT_THAT(out, Not(::testing::ContainsRegex("gtest.h:[0-9]+: Failure"))) << out;
  EXPECT_THAT(out, HasSubstr("[  FAILED  ] NoDebugInfo.MakesAnAbbaReport")) << out;
}

}  // namespace
