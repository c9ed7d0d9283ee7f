#include "runtime/stacks/frame_filter.h"

#include <cstddef>

namespace lockdep {

std::vector<bool> ShownFrames(const std::vector<FrameFlags>& frames, bool show_all) {
  bool any_user = false;
  for (const FrameFlags& f : frames) any_user |= !f.internal;
  std::vector<bool> shown(frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (show_all) {
      shown[i] = true;
    } else if (any_user) {
      shown[i] = !frames[i].internal;
    } else {
      // As a pc was always printed: its innermost frame.
      shown[i] = !frames[i].inlined_caller;
    }
  }
  return shown;
}

}  // namespace lockdep
