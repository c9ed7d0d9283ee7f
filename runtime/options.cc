#include "runtime/options.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "runtime/limits.h"

namespace lockdep {

std::atomic<bool> g_check_chains{false};
std::atomic<bool> g_show_internal_frames{false};

namespace {

// Keys and values are echoed in error lines: control bytes and other
// non-printable bytes are escaped, and long text is cut, so a hostile
// LOCKDEP_OPTIONS cannot garble the terminal or the log.
std::string Quote(absl::string_view text) {
  constexpr size_t kMax = 64;
  std::string out = absl::CHexEscape(text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  return out;
}

bool ParseInt(absl::string_view value, int lo, int hi, int* out) {
  int v;
  if (!absl::SimpleAtoi(value, &v) || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// 0/1 and false/true (as sanitizers' options take them).
bool ParseBool(absl::string_view value, bool* out) {
  if (value == "1" || value == "true") {
    *out = true;
  } else if (value == "0" || value == "false") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

constexpr char kKnownKeys[] =
    "halt_on_report, exitcode, dump_graph, dump_text, stack_depth, verbosity, "
    "ww_inject, check_chains, lock_stat, log_path, report_format, json_path, "
    "suppressions, internal_frames, same_class";

}  // namespace

std::vector<std::string> ParseOptions(const char* text, Options* options) {
  std::vector<std::string> errors;
  if (text == nullptr) return errors;
  const std::string prefix = "lockdep: LOCKDEP_OPTIONS: ";
  // Space-, colon- and comma-separated, as sanitizers' options are written.
  for (absl::string_view item :
       absl::StrSplit(text, absl::ByAnyChar(":, \t\n"), absl::SkipEmpty())) {
    size_t eq = item.find('=');
    if (eq == absl::string_view::npos) {
      errors.push_back(absl::StrCat(prefix, "'", Quote(item), "' is not key=value; ignored"));
      continue;
    }
    absl::string_view key = item.substr(0, eq);
    absl::string_view value = item.substr(eq + 1);
    if (key.empty()) {
      errors.push_back(absl::StrCat(prefix, "'", Quote(item), "' has no key; ignored"));
      continue;
    }
    auto bad = [&](absl::string_view want) {
      errors.push_back(absl::StrCat(prefix, "bad value '", Quote(value), "' for ",
                                    Quote(key), " (want ", want, "); ignored"));
    };
    int v;
    bool b;
    if (key == "halt_on_report") {
      if (ParseBool(value, &b)) options->halt_on_report = b; else bad("0 or 1, false or true");
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
    } else if (key == "check_chains") {
      if (ParseBool(value, &b)) options->check_chains = b; else bad("0 or 1, false or true");
    } else if (key == "log_path") {
      if (!value.empty()) options->log_path = std::string(value); else bad("a file path");
    } else if (key == "json_path") {
      if (!value.empty()) options->json_path = std::string(value); else bad("a file path");
    } else if (key == "suppressions") {
      if (!value.empty()) options->suppressions = std::string(value); else bad("a file path");
    } else if (key == "report_format") {
      if (value == "text" || value == "json") options->report_json = value == "json";
      else bad("text or json");
    } else if (key == "ww_inject") {
      if (ParseInt(value, 0, 1 << 30, &v)) options->ww_inject = v; else bad("0 (off) or N >= 1");
    } else if (key == "internal_frames") {
      if (ParseBool(value, &b)) options->internal_frames = b; else bad("0 or 1, false or true");
    } else if (key == "same_class") {
      if (value == "instance" || value == "class") {
        options->same_class_per_instance = value == "instance";
      } else {
        bad("instance or class");
      }
    } else if (key == "lock_stat") {
      if (ParseBool(value, &b)) options->lock_stat = b; else bad("0 or 1, false or true");
    } else {
      errors.push_back(absl::StrCat(prefix, "unknown key '", Quote(key), "' (known: ",
                                    kKnownKeys, "); ignored"));
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
    g_check_chains.store(o.check_chains, std::memory_order_relaxed);
    g_show_internal_frames.store(o.internal_frames, std::memory_order_relaxed);
    return o;
  }();
  return options;
}

}  // namespace lockdep
