// Run-time options from the LOCKDEP_OPTIONS environment variable (README.md):
// key=value pairs separated by spaces, colons or commas, read once at
// start-up. An unknown key or a bad value prints one line to stderr (hostile
// bytes escaped) and is otherwise ignored: the defaults stay.
#ifndef LOCKDEP_RUNTIME_OPTIONS_H_
#define LOCKDEP_RUNTIME_OPTIONS_H_

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

namespace lockdep {

// One field per option of runtime/base/options.inc, named by its key, holding its
// default until LOCKDEP_OPTIONS sets it.
struct Options {
#define LOCKDEP_BOOL_OPTION(key, def, help) bool key = def;
#define LOCKDEP_INT_OPTION(key, def, lo, hi, help) int key = def;
#define LOCKDEP_PATH_OPTION(key, help) std::string key;
#define LOCKDEP_CHOICE_OPTION(key, def, a, b, help) std::string key = #def;
#include "runtime/base/options.inc"

  bool report_json() const { return report_format == "json"; }
  bool same_class_per_instance() const { return same_class == "instance"; }
};

// An option as help=1 and the README show it.
struct OptionInfo {
  const char* key;
  std::string default_text;  // "0", "66", "text", or "unset" for paths
  std::string values;        // what it takes: "0 or 1", "0..255", "a path", "text or json"
  const char* help;
};

// Every option, in the table's order.
const std::vector<OptionInfo>& OptionTable();

// Writes the help=1 listing (one line per option: key, default, values,
// meaning) to `out`.
void PrintOptionsHelp(std::FILE* out);


// check_chains, cached where the fast path reads it (one relaxed load); set
// once at start-up by GetOptions().
extern std::atomic<bool> g_check_chains;

// internal_frames, read by the symbolizer (source_frames.h); set likewise.
extern std::atomic<bool> g_show_internal_frames;

// Parses `text` into `options`, starting from the current values. Returns one
// message per rejected item ("lockdep: LOCKDEP_OPTIONS: unknown key 'x'...").
std::vector<std::string> ParseOptions(const char* text, Options* options);

// The options in force (parsed from the environment on first call).
const Options& GetOptions();

// A path option's value with each "%p" replaced by this process's pid. Every
// path option (log_path, json_path, dump_graph, dump_text) goes through it,
// so a forked child writes its own files. Allocates; not signal-safe.
std::string ExpandPathOption(const std::string& path);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_OPTIONS_H_
