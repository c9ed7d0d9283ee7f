// lockgraph: reads the lock graphs lockdep writes (LOCKDEP_OPTIONS=dump_graph)
// and prints, merges, compares and searches them. `lockgraph --help`.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "tools/strict_flags.h"
#include "tools/verbs.h"

ABSL_FLAG(std::string, o, "", "output file (merge, svg, html)");
ABSL_FLAG(std::string, around, "", "dot, svg, html: only (html: first) the classes within --depth of this class");
ABSL_FLAG(int32_t, depth, 2, "dot, svg, html: how many dependencies away from --around (0 or more)");
ABSL_FLAG(bool, cycles_only, false, "dot, svg: only classes and dependencies on cycles");
ABSL_FLAG(std::string, mark, "", "dot, svg, html: highlight these classes (comma-separated)");
ABSL_FLAG(int32_t, max_cycles, 100,
          "cycles, dot, svg, html: report at most this many cycles (cycles: 1 or more; "
          "dot, svg, html: 0 draws none)");
ABSL_FLAG(bool, hide_gated, false,
          "cycles: leave out the cycles whose every dependency was taken holding one "
          "common lock");
ABSL_FLAG(bool, internal_frames, false,
          "cycles, diff, path: also show the frames reports hide (lockdep's own, the C++ "
          "library's)");

int main(int argc, char** argv) {
  const std::string usage = lockdep::tools::LockgraphUsage();
  absl::StatusOr<lockdep::tools::ParsedArgs> args = lockdep::tools::ParseStrictFlags(argc, argv);
  if (!args.ok()) {
    std::fprintf(stderr, "lockgraph: %s\n", std::string(args.status().message()).c_str());
    return 2;
  }
  if (args->help) {
    std::fputs(usage.c_str(), stdout);
    return 0;
  }
  if (args->positional.empty()) {
    std::fputs(usage.c_str(), stderr);
    return 2;
  }
  lockdep::tools::VerbOptions options;
  options.output = absl::GetFlag(FLAGS_o);
  options.around = absl::GetFlag(FLAGS_around);
  options.depth = absl::GetFlag(FLAGS_depth);
  options.cycles_only = absl::GetFlag(FLAGS_cycles_only);
  options.max_cycles = absl::GetFlag(FLAGS_max_cycles);
  options.mark = absl::GetFlag(FLAGS_mark);
  options.internal_frames = absl::GetFlag(FLAGS_internal_frames);
  options.hide_gated = absl::GetFlag(FLAGS_hide_gated);
  const std::string verb = args->positional.front();
  args->positional.erase(args->positional.begin());
  absl::StatusOr<int> code = lockdep::tools::RunVerb(verb, args->positional, options, stdout);
  std::fflush(stdout);
  if (!code.ok()) {
    std::fprintf(stderr, "lockgraph: %s\n", std::string(code.status().message()).c_str());
    return 2;
  }
  return *code;
}
