// Command-line parsing over Abseil flags that fails with a status instead of
// exiting: lockgraph promises exit status 2 and one line for a bad flag,
// where absl::ParseCommandLine would exit 1 with its own text.
#ifndef LOCKDEP_TOOLS_STRICT_FLAGS_H_
#define LOCKDEP_TOOLS_STRICT_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace lockdep::tools {

struct ParsedArgs {
  std::vector<std::string> positional;
  bool help = false;
};

// Sets every ABSL_FLAG given as --name=value, --name value, --bool, --nobool
// (one or two dashes; '-' and '_' alike in names) and returns the other
// arguments in order ("--" ends the flags). InvalidArgument for an unknown
// flag, a missing value or a value the flag's type rejects.
absl::StatusOr<ParsedArgs> ParseStrictFlags(int argc, char** argv);

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_STRICT_FLAGS_H_
