// The exact stack walk (libunwind over DWARF CFI), one frame at a time: right
// whatever the compiler did with frame pointers, about 4 us per frame (it
// takes libunwind's cache lock, which blocks signals). The one unwinder of
// the runtime's exact walks: stack_trace.cc falls back to it, and the C++
// call-site code (instrument/cxx/call_site.cc) walks with it when it needs
// each frame's stack pointer as well as its pc.
//
// Every libunwind call must run inside an UnwindScope (stack_trace.h). The
// walker opens none itself, so a caller may hold one scope around the whole
// walk, or one per call when it takes other locks between steps.
#ifndef LOCKDEP_RUNTIME_STACKS_FRAME_WALKER_H_
#define LOCKDEP_RUNTIME_STACKS_FRAME_WALKER_H_

#include <libunwind.h>

#include <cstdint>

#include "runtime/stacks/stack_trace.h"

namespace lockdep {

class FrameWalker {
 public:
  // Starts at the frame that constructs the walker (always inlined, so the
  // captured registers are that frame's, which stays live while walking).
  // ok() is false when libunwind could not start.
  [[gnu::always_inline]] FrameWalker() {
    ok_ = unw_getcontext(&context_) == 0 && unw_init_local(&cursor_, &context_) == 0;
  }
  // The same, with the start in an UnwindScope of its own, for callers that
  // open one scope per call.
  struct ScopedStart {};
  [[gnu::always_inline]] explicit FrameWalker(ScopedStart) {
    UnwindScope unwinding;
    ok_ = unw_getcontext(&context_) == 0 && unw_init_local(&cursor_, &context_) == 0;
  }
  FrameWalker(const FrameWalker&) = delete;
  FrameWalker& operator=(const FrameWalker&) = delete;

  bool ok() const { return ok_; }

  // Moves to the next outer frame and gives its pc (a return address) and
  // stack pointer; false at the outermost frame or when a frame cannot be
  // read (the walk is then over).
  bool Next(uintptr_t* pc, uintptr_t* sp) {
    if (!ok_ || unw_step(&cursor_) <= 0) return ok_ = false;
    unw_word_t ip = 0, stack = 0;
    if (unw_get_reg(&cursor_, UNW_REG_IP, &ip) != 0 || ip == 0 ||
        unw_get_reg(&cursor_, UNW_REG_SP, &stack) != 0) {
      return ok_ = false;
    }
    *pc = static_cast<uintptr_t>(ip);
    *sp = static_cast<uintptr_t>(stack);
    return true;
  }

 private:
  unw_context_t context_;
  unw_cursor_t cursor_;
  bool ok_ = false;
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_STACKS_FRAME_WALKER_H_
