// Runs a probe program of these tests and keeps what it wrote to stderr.
#ifndef LOCKDEP_INSTRUMENT_TESTS_CLASSES_RUN_PROGRAM_H_
#define LOCKDEP_INSTRUMENT_TESTS_CLASSES_RUN_PROGRAM_H_

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace lockdep::testing {

struct ProbeRun {
  int exit_code = -1;  // -1: did not exit normally
  std::string err;
};

// Runs `program` with `arg` (none when nullptr) and the default
// LOCKDEP_OPTIONS, stderr captured, no core dump.
inline ProbeRun RunProgram(const std::string& program, const char* arg) {
  ProbeRun result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return result;
  }
  const pid_t pid = fork();
  if (pid == 0) {  // async-signal-safe calls only
    const rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    unsetenv("LOCKDEP_OPTIONS");
    dup2(fds[1], 2);
    execl(program.c_str(), program.c_str(), arg, static_cast<char*>(nullptr));  // arg nullptr: none
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
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace lockdep::testing

#endif  // LOCKDEP_INSTRUMENT_TESTS_CLASSES_RUN_PROGRAM_H_
