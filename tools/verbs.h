// The verbs of `lockgraph`: each reads its input files (their union when
// several), writes its output, and returns the exit status (0, or 1 for
// "found something" where a verb promises that), or an error status that the
// caller turns into one line on stderr and exit status 2.
#ifndef LOCKDEP_TOOLS_VERBS_H_
#define LOCKDEP_TOOLS_VERBS_H_

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lockdep::tools {

struct VerbOptions {
  std::string output;          // -o: merge and svg write here
  std::string around;          // dot/svg: centre class
  int depth = 2;               // dot/svg: neighbourhood radius
  bool cycles_only = false;    // dot/svg
  int max_cycles = 100;        // cycles, dot, svg
  std::string mark;            // dot/svg/html: classes to highlight, comma-separated
  bool internal_frames = false;  // traces: also lockdep's and the C++ library's frames
  bool hide_gated = false;     // cycles: leave out cycles gated by a common lock
};

// Runs `verb` on `args` (files, or for path: FILE A B), printing to `out`.
absl::StatusOr<int> RunVerb(absl::string_view verb, const std::vector<std::string>& args,
                            const VerbOptions& options, std::FILE* out);

// The usage text of `lockgraph --help`.
std::string LockgraphUsage();

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_VERBS_H_
