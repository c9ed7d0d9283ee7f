// Which frames of a stack trace a reader is shown: the one rule behind
// reports (AppendTrace, stack_trace.h) and lockgraph's traces, so that both
// hide the same plumbing (lockdep's own frames, the C++ library's
// std::__invoke_impl ... _M_run()) and internal_frames=1 shows it in both.
#ifndef LOCKDEP_RUNTIME_FRAME_FILTER_H_
#define LOCKDEP_RUNTIME_FRAME_FILTER_H_

#include <vector>

namespace lockdep {

struct FrameFlags {
  bool internal = false;        // code the user did not write
  bool inlined_caller = false;  // not the innermost frame of its address
};

// Per frame of a trace (innermost first, the frames of one address
// together), whether it is shown: with `show_all`, every frame; else, when
// the trace has a frame of the user's, those frames only; else (nothing but
// internal code) the innermost frame of each address. Pure; linear.
std::vector<bool> ShownFrames(const std::vector<FrameFlags>& frames, bool show_all);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_FRAME_FILTER_H_
