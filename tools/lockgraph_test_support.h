// For the tests of lockgraph: temporary files, and running a runfile program
// (lockgraph itself, the probes that write graphs) with its output captured.
#ifndef LOCKDEP_TOOLS_LOCKGRAPH_TEST_SUPPORT_H_
#define LOCKDEP_TOOLS_LOCKGRAPH_TEST_SUPPORT_H_

#include <string>
#include <vector>

namespace lockdep::tools {

// `name` in the test's temporary directory.
std::string Tmp(const std::string& name);
// A file's bytes ("" when unreadable); writes bytes to a file.
std::string Slurp(const std::string& path);
void Spit(const std::string& path, const std::string& bytes);

struct Outcome {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
};

// Runs a runfile program with `args`; LOCKDEP_OPTIONS=`options` when given
// (and unset otherwise). Waits for it.
Outcome RunProgram(const std::string& program, const std::vector<std::string>& args,
                   const std::string& options = "");
// tools/lockgraph with `args`.
Outcome Lockgraph(const std::vector<std::string>& args);

// Lines in `s` (its '\n's).
int Lines(const std::string& s);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_LOCKGRAPH_TEST_SUPPORT_H_
