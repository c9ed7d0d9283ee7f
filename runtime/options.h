// Run-time options from the LOCKDEP_OPTIONS environment variable (README.md):
// key=value pairs separated by spaces, colons or commas, read once at
// start-up. An unknown key or a bad value prints one line to stderr (hostile
// bytes escaped) and is otherwise ignored: the defaults stay.
#ifndef LOCKDEP_RUNTIME_OPTIONS_H_
#define LOCKDEP_RUNTIME_OPTIONS_H_

#include <atomic>
#include <string>
#include <vector>

namespace lockdep {

struct Options {
  bool halt_on_report = false;  // abort() right after the first report
  int exitcode = 66;            // exit status of a process that reported; 0 keeps
  std::string dump_graph;       // binary protobuf graph at exit ("%p" = pid)
  std::string dump_text;        // kernel-style text listing at exit
  int stack_depth = 16;         // frames per stack trace; 0 turns traces off
  int verbosity = 1;            // 0 reports only; 2 adds a summary at exit
  int ww_inject = 0;            // every Nth ww_mutex_lock backs off (lockdep.h)
  bool check_chains = false;    // verify every chain-cache hit (chain_check.h)
  std::string log_path;         // reports to log_path.<pid> (report_output.h)
  bool report_json = false;     // report_format=json: a JSON line after each
  std::string json_path;        // JSON lines to this file ("%p" = pid)
  std::string suppressions;     // TSan-style suppressions file
  bool lock_stat = false;       // contention and hold-time statistics (lock_stat.h)
  bool internal_frames = false; // reports keep lockdep's and the standard library's frames
  bool same_class_per_instance = true;  // same_class=instance|class (LD_PRELOAD only)
};

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

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_OPTIONS_H_
