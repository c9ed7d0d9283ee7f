#include "tools/progress.h"

#include <string>

namespace lockdep::tools {

bool Progress::Due() {
  const Clock::time_point now = now_();
  if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::seconds(1)) {
    return false;
  }
  last_ = now;
  return true;
}

void Progress::Report(absl::string_view what, uint64_t done, uint64_t total) {
  if (!Due()) return;
  std::fprintf(out_, "lockgraph: %s: %llu/%llu (%.1f s)\n", std::string(what).c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
               std::chrono::duration<double>(last_ - start_).count());
}

void Progress::Phase(absl::string_view what) {
  if (!Due()) return;
  std::fprintf(out_, "lockgraph: %s (%.1f s)\n", std::string(what).c_str(),
               std::chrono::duration<double>(last_ - start_).count());
}

}  // namespace lockdep::tools
