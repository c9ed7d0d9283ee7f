// Runs a program as a child with extra environment, capturing its stdout,
// stderr and how it ended. For the preload tests, which must run each probe
// in a fresh process (LD_PRELOAD and LOCKDEP_OPTIONS are read at start-up).
#ifndef LOCKDEP_TESTS_PRELOAD_CHILD_PROCESS_H_
#define LOCKDEP_TESTS_PRELOAD_CHILD_PROCESS_H_

#include <string>
#include <vector>

namespace lockdep::testing {

struct ChildResult {
  bool exited = false;  // normal exit (then code), else killed (signal)
  int code = -1;
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with argv, the test's environment plus `env`
// ("NAME=value", overriding), stdin from /dev/null, no core dump; waits.
ChildResult RunChild(const std::vector<std::string>& argv,
                     const std::vector<std::string>& env);

// Absolute path of a runfile given relative to the workspace root.
std::string Runfile(const std::string& path);

// True in a ThreadSanitizer or AddressSanitizer build, where a preloaded
// library (itself built with the sanitizer) cannot run inside children.
bool SanitizerBuild();

// Why the preload tests skip themselves in such a build.
inline constexpr char kSanitizerSkipReason[] =
    "a sanitizer build of liblockdep_preload.so cannot be preloaded into a plain "
    "program (the sanitizer's runtime, which wants to be loaded first, replaces "
    "malloc and the pthread functions too: the program crashes at start-up); "
    "these tests run in the default configuration";

}  // namespace lockdep::testing

#endif  // LOCKDEP_TESTS_PRELOAD_CHILD_PROCESS_H_
