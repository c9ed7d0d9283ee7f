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
  // where lockdep's own objects were compiled from (not its tests, nor a
  // user's directory of the same name), the C++ standard library (headers
  // and shared library).
  bool internal = false;
  // "function+0x1c/0x40 (file.cc:123)" (the offset is the physical
  // function's, also for an inlined frame), or "0x7f..." when unknown.
  std::string text;
};

// The frames of the code that contains return address `pc`: the innermost
// inlined call first, the physical function last; never empty. Thread-safe;
// allocates; the first call reads the program's symbol tables, later calls
// for a pc answer from a cache (forgotten when an object is unloaded, see
// ModuleUnloadCount). For reports, dumps and lock construction.
std::vector<SourceFrame> SourceFramesOfPc(uintptr_t pc);

// A data member of one of lockdep's lock types, as the debug information
// declares it.
struct LockMember {
  std::string name;  // "map_mu"
  std::string file;  // as reports print it
  int line = 0;
};

// The constructor that frame `frame` (an index into SourceFramesOfPc(pc)) is
// running, when it is one, with its class's data members of type `lock_type`
// ("lockdep::Mutex") in declaration order, from the debug information.
struct ConstructorFrame {
  // This copy of the constructor's code: an inlined copy, or the
  // out-of-line body; 0 when the frame is no constructor (or nothing is
  // known). Unique among the objects loaded now.
  uint64_t instance = 0;
  std::string class_name;  // qualified: "ns::Cache"
  std::vector<LockMember> members;
};

// Thread-safe; allocates. Cost: symbolises pc (see SourceFramesOfPc), then
// walks the debug information's scopes at pc and the class's members
// (uncached: for the first construction at a call instruction).
ConstructorFrame ConstructorOfFrame(uintptr_t pc, size_t frame,
                                    const char* lock_type);

// How many objects the dynamic loader has unloaded (dlclose) since the
// process started. Addresses remembered before a change may now belong to
// another object. Cost: one dl_iterate_phdr step (the loader's lock) in an
// UnwindScope (stack_trace.h): not to be called inside another.
uint64_t ModuleUnloadCount();

// Whether SymbolizePc and AppendTrace (stack_trace.h) show internal frames
// (LOCKDEP_OPTIONS internal_frames=1). By default they are left out, unless a
// trace has nothing else. One relaxed atomic.
void SetShowInternalFrames(bool show);
bool ShowInternalFrames();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_SOURCE_FRAMES_H_
