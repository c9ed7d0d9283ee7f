// A progress line on stderr for work that takes long: nothing for the first
// second, then at most one line per second, so small inputs stay quiet and
// a merge of hundreds of small files does not print one line per file.
#ifndef LOCKDEP_TOOLS_PROGRESS_H_
#define LOCKDEP_TOOLS_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "absl/strings/string_view.h"

namespace lockdep::tools {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  Progress() = default;
  // For tests: time from `now`, lines to `out`.
  Progress(Clock::time_point (*now)(), std::FILE* out) : now_(now), out_(out) {
    start_ = last_ = now_();
  }

  // Reports "lockgraph: <what>: <done>/<total>" when due. Cost: a clock read
  // every 4096 calls.
  void Step(absl::string_view what, uint64_t done, uint64_t total) {
    if ((++calls_ & 4095) != 0) return;
    Report(what, done, total);
  }
  // Reports a phase that is starting ("reading FILE"), when due. Cost: a
  // clock read.
  void Phase(absl::string_view what);

 private:
  // True when a line may be printed now (and notes that one is).
  bool Due();
  void Report(absl::string_view what, uint64_t done, uint64_t total);
  Clock::time_point (*now_)() = &Clock::now;
  std::FILE* out_ = stderr;
  Clock::time_point start_ = now_();
  Clock::time_point last_ = start_;
  uint64_t calls_ = 0;
};

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_PROGRESS_H_
