// Loaded by source_frames_test after its .debug_aranges section is removed,
// as in an object clang compiled without -gdwarf-aranges: the symbolizer must
// find this code's unit, lines and inlined calls without that index.
#include <cstdint>

namespace no_aranges_fixture {

extern "C" {
int no_aranges_inner_line = 0;
int no_aranges_outer_line = 0;
}

using CaptureFn = int (*)(uintptr_t*, int);

[[gnu::always_inline]] inline int InlinedHelper(CaptureFn capture, uintptr_t* pcs,
                                                int max) {
  no_aranges_inner_line = __LINE__ + 1;
  int n = capture(pcs, max);
  return n;
}

extern "C" __attribute__((noinline)) int NoArangesOuter(CaptureFn capture,
                                                        uintptr_t* pcs, int max) {
  no_aranges_outer_line = __LINE__ + 1;
  int n = InlinedHelper(capture, pcs, max);
  asm volatile("");  // no tail call: the caller's frame stays on the stack
  return n;
}

}  // namespace no_aranges_fixture
