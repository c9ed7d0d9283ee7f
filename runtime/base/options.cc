#include "runtime/base/options.h"

#include <cstdio>
#include <cstdlib>

#include <unistd.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "runtime/base/limits.h"

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

// "halt_on_report, exitcode, ...": the keys, for the unknown-key message.
std::string KnownKeys() {
  std::string keys;
  for (const OptionInfo& o : OptionTable()) absl::StrAppend(&keys, keys.empty() ? "" : ", ", o.key);
  return keys;
}

constexpr char kBoolValues[] = "0 or 1, false or true";
constexpr char kPathValues[] = "a file path";

}  // namespace

const std::vector<OptionInfo>& OptionTable() {
  static const std::vector<OptionInfo>* table = new std::vector<OptionInfo>{
#define LOCKDEP_BOOL_OPTION(key, def, help) {#key, (def) ? "1" : "0", kBoolValues, help},
#define LOCKDEP_INT_OPTION(key, def, lo, hi, help) \
  {#key, absl::StrCat(def), absl::StrCat(lo, "..", hi), help},
#define LOCKDEP_PATH_OPTION(key, help) {#key, "unset", kPathValues, help},
#define LOCKDEP_CHOICE_OPTION(key, def, a, b, help) {#key, #def, #a " or " #b, help},
#include "runtime/base/options.inc"
  };
  return *table;
}

void PrintOptionsHelp(std::FILE* out) {
  std::fprintf(out, "lockdep: LOCKDEP_OPTIONS (key=value, separated by ':', ',' or spaces):\n");
  for (const OptionInfo& o : OptionTable()) {
    std::fprintf(out, "lockdep:   %-16s default %-6s (%s): %s\n", o.key, o.default_text.c_str(),
                 o.values.c_str(), o.help);
  }
}

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
#define LOCKDEP_BOOL_OPTION(k, def, help)                        \
  if (key == #k) {                                               \
    if (ParseBool(value, &b)) options->k = b; else bad(kBoolValues); \
    continue;                                                    \
  }
#define LOCKDEP_INT_OPTION(k, def, lo, hi, help)                                \
  if (key == #k) {                                                              \
    if (ParseInt(value, lo, hi, &v)) options->k = v;                            \
    else bad(absl::StrCat(lo, "..", hi));                                       \
    continue;                                                                   \
  }
#define LOCKDEP_PATH_OPTION(k, help)                                              \
  if (key == #k) {                                                                \
    if (!value.empty()) options->k = std::string(value); else bad(kPathValues);   \
    continue;                                                                     \
  }
#define LOCKDEP_CHOICE_OPTION(k, def, a, b_, help)                                \
  if (key == #k) {                                                                \
    if (value == #a || value == #b_) options->k = std::string(value);             \
    else bad(#a " or " #b_);                                                      \
    continue;                                                                     \
  }
#include "runtime/base/options.inc"
    errors.push_back(absl::StrCat(prefix, "unknown key '", Quote(key), "' (known: ",
                                  KnownKeys(), "); ignored"));
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
    if (o.help) PrintOptionsHelp(stderr);
    return o;
  }();
  return options;
}

std::string ExpandPathOption(const std::string& path) {
  return absl::StrReplaceAll(path, {{"%p", absl::StrCat(getpid())}});
}

}  // namespace lockdep
