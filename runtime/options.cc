#include "runtime/options.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "runtime/limits.h"

namespace lockdep {
namespace {

bool ParseInt(absl::string_view value, int lo, int hi, int* out) {
  int v;
  if (!absl::SimpleAtoi(value, &v) || v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

std::vector<std::string> ParseOptions(const char* text, Options* options) {
  std::vector<std::string> errors;
  if (text == nullptr) return errors;
  const std::string prefix = "lockdep: LOCKDEP_OPTIONS: ";
  for (absl::string_view item : absl::StrSplit(text, absl::ByAnyChar(":,"), absl::SkipWhitespace())) {
    size_t eq = item.find('=');
    if (eq == absl::string_view::npos) {
      errors.push_back(absl::StrCat(prefix, "'", item, "' is not key=value; ignored"));
      continue;
    }
    absl::string_view key = item.substr(0, eq);
    absl::string_view value = item.substr(eq + 1);
    auto bad = [&](absl::string_view want) {
      errors.push_back(absl::StrCat(prefix, "bad value '", value, "' for ", key,
                                    " (want ", want, "); ignored"));
    };
    int v;
    if (key == "halt_on_report") {
      if (ParseInt(value, 0, 1, &v)) options->halt_on_report = v; else bad("0 or 1");
    } else if (key == "exitcode") {
      if (ParseInt(value, 0, 255, &v)) options->exitcode = v; else bad("0..255");
    } else if (key == "dump_graph") {
      if (!value.empty()) options->dump_graph = std::string(value); else bad("a file path");
    } else if (key == "dump_text") {
      if (!value.empty()) options->dump_text = std::string(value); else bad("a file path");
    } else if (key == "stack_depth") {
      if (ParseInt(value, 0, kMaxStackDepth, &v)) options->stack_depth = v;
      else bad(absl::StrCat("0..", kMaxStackDepth));
    } else if (key == "verbosity") {
      if (ParseInt(value, 0, 2, &v)) options->verbosity = v; else bad("0, 1 or 2");
    } else if (key == "ww_inject") {
      if (ParseInt(value, 0, 1 << 30, &v)) options->ww_inject = v; else bad("0 (off) or N >= 1");
    } else if (key == "lock_stat") {
      if (ParseInt(value, 0, 1, &v)) options->lock_stat = v; else bad("0 or 1");
    } else {
      errors.push_back(absl::StrCat(
          prefix, "unknown key '", key,
          "' (known: halt_on_report, exitcode, dump_graph, dump_text, "
          "stack_depth, verbosity, ww_inject, lock_stat); ignored"));
    }
  }
  return errors;
}

const Options& GetOptions() {
  // Parsed once; a function-local static is thread-safe and works before main.
  static const Options options = [] {
    Options o;
    for (const std::string& e : ParseOptions(std::getenv("LOCKDEP_OPTIONS"), &o)) {
      std::fprintf(stderr, "%s\n", e.c_str());
    }
    return o;
  }();
  return options;
}

}  // namespace lockdep
