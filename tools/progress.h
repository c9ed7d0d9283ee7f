// A progress line on stderr for work that takes long: nothing for the first
// second, then at most one line per second, so small inputs stay quiet.
#ifndef LOCKDEP_TOOLS_PROGRESS_H_
#define LOCKDEP_TOOLS_PROGRESS_H_

#include <chrono>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace lockdep::tools {

class Progress {
 public:
  // Reports "lockgraph: <what>: <done>/<total>" when due. Cost: a clock read
  // every 4096 calls.
  void Step(absl::string_view what, uint64_t done, uint64_t total) {
    if ((++calls_ & 4095) != 0) return;
    Report(what, done, total);
  }
  // Reports a phase that is starting, when the work so far took a second.
  void Phase(absl::string_view what);

 private:
  void Report(absl::string_view what, uint64_t done, uint64_t total);
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = start_;
  uint64_t calls_ = 0;
};

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_PROGRESS_H_
