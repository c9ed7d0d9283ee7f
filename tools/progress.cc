#include "tools/progress.h"

#include <cstdio>
#include <string>

namespace lockdep::tools {

void Progress::Report(absl::string_view what, uint64_t done, uint64_t total) {
  const Clock::time_point now = Clock::now();
  if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::seconds(1)) return;
  last_ = now;
  std::fprintf(stderr, "lockgraph: %s: %llu/%llu (%.1f s)\n", std::string(what).c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
               std::chrono::duration<double>(now - start_).count());
}

void Progress::Phase(absl::string_view what) {
  const Clock::time_point now = Clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  last_ = now;
  std::fprintf(stderr, "lockgraph: %s (%.1f s)\n", std::string(what).c_str(),
               std::chrono::duration<double>(now - start_).count());
}

}  // namespace lockdep::tools
