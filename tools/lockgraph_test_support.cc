#include "tools/lockgraph_test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace lockdep::tools {

std::string Tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}


// Runs a runfile program with `args`; LOCKDEP_OPTIONS=`options` when given.
Outcome RunProgram(const std::string& program, const std::vector<std::string>& args,
                   const std::string& options) {
  static int counter = 0;
  const std::string out_path = Tmp("run" + std::to_string(++counter) + ".out");
  const std::string err_path = out_path + ".err";
  std::vector<std::string> argv_s{program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) {
    if (std::string(*e).rfind("LOCKDEP_OPTIONS=", 0) != 0) env_s.push_back(*e);
  }
  if (!options.empty()) env_s.push_back("LOCKDEP_OPTIONS=" + options);
  std::vector<char*> envp;
  for (std::string& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  Outcome r;
  if (posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), envp.data()) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&fa);
  r.out = Slurp(out_path);
  r.err = Slurp(err_path);
  return r;
}

Outcome Lockgraph(const std::vector<std::string>& args) { return RunProgram("tools/lockgraph", args); }

int Lines(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

}  // namespace lockdep::tools
