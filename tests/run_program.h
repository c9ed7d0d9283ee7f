// Runs a probe program of a test and keeps what it wrote to stderr: the one
// fork/exec runner of the tests that watch whole processes (reports, exit
// statuses, options read at start-up).
#ifndef LOCKDEP_TESTS_RUN_PROGRAM_H_
#define LOCKDEP_TESTS_RUN_PROGRAM_H_

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern char** environ;

namespace lockdep::testing {

struct ProbeRun {
  bool exited = false;  // normal exit (then exit_code), else killed (signal)
  int exit_code = -1;   // -1: did not exit normally
  int signal = 0;
  std::string err;      // everything the program wrote to stderr
};

// Runs `program` with `args`, LOCKDEP_OPTIONS set to `options` (unset when
// nullptr), stdout discarded, stderr captured, no core dump. Cost: one
// fork and exec; waits for the program to end.
inline ProbeRun RunProgram(const std::string& program, std::vector<std::string> args,
                           const char* options = nullptr) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "LOCKDEP_OPTIONS=", 16) != 0) env.push_back(*e);
  }
  if (options != nullptr) env.push_back(std::string("LOCKDEP_OPTIONS=") + options);
  args.insert(args.begin(), program);
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  ProbeRun result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return result;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return result;
  }
  if (pid == 0) {  // child: async-signal-safe calls only
    const rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1);
    dup2(fds[1], 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n > 0) {
      result.err.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace lockdep::testing

#endif  // LOCKDEP_TESTS_RUN_PROGRAM_H_
