// The source frames behind a return address, inlined calls expanded (as
// llvm-symbolizer does), each marked internal or not, so that reports can
// point at the user's line rather than at lockdep's or the standard library's.
#ifndef LOCKDEP_RUNTIME_SOURCE_FRAMES_H_
#define LOCKDEP_RUNTIME_SOURCE_FRAMES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace lockdep {

struct SourceFrame {
  std::string function;  // demangled; empty when nothing is known
  std::string file;      // as reports print it; empty without line info
  int line = 0;
  // Code the user did not write: lockdep's runtime/ and instrument/ sources
  // (not its tests), the C++ standard library (headers and shared library).
  bool internal = false;
  // "function+0x1c/0x40 (file.cc:123)" (the offset is the physical
  // function's, also for an inlined frame), or "0x7f..." when unknown.
  std::string text;
};

// The frames of the code that contains return address `pc`: the innermost
// inlined call first, the physical function last; never empty. Thread-safe;
// allocates; the first call reads the program's symbol tables, later calls
// for a pc answer from a cache. For reports, dumps and lock construction.
std::vector<SourceFrame> SourceFramesOfPc(uintptr_t pc);

// Whether SymbolizePc and AppendTrace (stack_trace.h) show internal frames
// (LOCKDEP_OPTIONS internal_frames=1). By default they are left out, unless a
// trace has nothing else. One relaxed atomic.
void SetShowInternalFrames(bool show);
bool ShowInternalFrames();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_SOURCE_FRAMES_H_
