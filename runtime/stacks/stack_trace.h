// Stack traces: capture (libunwind), a de-duplicating fixed-size store, and
// symbolisation for reports. Capture and store are used on the validator's slow
// path only (a new dependency, a report); never on the cached-chain fast path.
//
// Limits: TraceStore holds at most kMaxTraceEntries frames in kMaxTraces traces
// (Linux's MAX_STACK_TRACE_ENTRIES is 524288; these fit a trace per
// dependency at the dependency limit). When full, Save() returns
// kNoTrace and full() turns true; the caller decides what that means.
#ifndef LOCKDEP_RUNTIME_STACK_TRACE_H_
#define LOCKDEP_RUNTIME_STACK_TRACE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "runtime/base/internal_mutex.h"

namespace lockdep {

inline constexpr size_t kMaxTraceEntries = size_t{1} << 21;
inline constexpr size_t kMaxTraces = size_t{1} << 18;
inline constexpr uint32_t kNoTrace = 0;

// Writes up to `max` return addresses of the calling thread's stack into `pcs`,
// innermost first, after skipping `skip` innermost frames (CaptureStack itself
// is never included). Returns the number written. No allocation after the
// thread's first call; no lock and no system call for a stack whose frames
// were seen before. Cost: about 15 ns per frame (libunwind's cached
// unw_backtrace); under ThreadSanitizer the exact unw_step walk, about 4 us
// per frame.
int CaptureStack(uintptr_t* pcs, int max, int skip);

// libunwind's exact walk (unw_init_local + unw_step) takes a lock inside
// libunwind; a fork() while another thread holds it leaves the child's copy
// locked for good, and the child hangs at its first unwind. So every unwind
// the runtime and the instrument layer make (CaptureStack included) runs
// inside an UnwindScope, and the fork handlers (fork_safety.cc) close the
// gate and wait for the scopes in progress to end. Cost per scope: two
// atomic read-modify-writes and a load; a scope waits only while a fork is
// being prepared, and never on the thread preparing it (a signal handler
// there runs to its end before fork() goes on). Never open a scope inside
// another on one thread while a fork may be prepared (it would wait for
// itself).
class UnwindScope {
 public:
  UnwindScope();
  ~UnwindScope();
  UnwindScope(const UnwindScope&) = delete;
  UnwindScope& operator=(const UnwindScope&) = delete;
};
// For the fork handlers: CloseUnwindGate() returns once no thread is inside
// an UnwindScope, and new scopes wait until OpenUnwindGate(). In the child,
// only the forking thread lives on, so `in_child` forgets the others.
void CloseUnwindGate();
void OpenUnwindGate(bool in_child);

#if defined(__SANITIZE_THREAD__)
#define LOCKDEP_FAST_UNWIND 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOCKDEP_FAST_UNWIND 0
#endif
#endif
#ifndef LOCKDEP_FAST_UNWIND
#define LOCKDEP_FAST_UNWIND 1
#endif
// True when CaptureStack is the cached walk (sub-microsecond): callers may
// then capture speculatively, before they know they need the trace.
inline constexpr bool kCaptureIsCheap = LOCKDEP_FAST_UNWIND;

// Fixed-capacity, de-duplicating store of traces. Identical traces share one
// id. Not internally synchronised: writers (Save, Clear) must be serialised by
// the caller; Get() of an id already returned may run concurrently with Save().
class TraceStore {
 public:
  // Stores pcs[0..n) (or finds an identical stored trace) and returns its id;
  // kNoTrace when n == 0 or the store is full. Cost: a hash of the frames, a
  // probe, and a copy when new.
  uint32_t Save(const uintptr_t* pcs, int n);
  // The frames of `id`; empty for kNoTrace.
  std::span<const uintptr_t> Get(uint32_t id) const;
  bool full() const { return full_; }
  size_t trace_count() const { return trace_count_; }
  size_t entry_count() const { return entry_count_; }
  // Forgets every trace. Not safe against concurrent Get().
  void Clear();

 private:
  struct Record {
    uint32_t offset;
    uint32_t length;
    uint64_t hash;
  };
  static constexpr size_t kHashSlots = kMaxTraces * 2;
  // The tables are mapped from zero pages by the first Save() (a store can
  // be constinit, and a program that never saves a trace maps nothing);
  // pages cost memory only once written.
  void Map();
  uintptr_t* entries_ = nullptr;  // kMaxTraceEntries
  Record* records_ = nullptr;     // kMaxTraces + 1; [0] is kNoTrace
  uint32_t* slots_ = nullptr;     // kHashSlots record ids, 0 = empty
  size_t trace_count_ = 0;
  size_t entry_count_ = 0;
  bool full_ = false;
};

// "function+0x1c/0x40 (file.cc:123)" for a return address, demangled; the
// file:line part only when debug info is there; "0x7f..." when nothing is
// known. Thread-safe; allocates; caches per address. For reports and dumps.
std::string SymbolizePc(uintptr_t pc);

// Test hook: `hook` (nullptr: none) runs at the start of every symbolisation,
// on the symbolising thread, so a test can check what that thread holds.
void SetSymbolizeHookForTesting(void (*hook)());

// True while this thread is inside SymbolizePc(): libdw may take pthread
// locks there, which an interposer must pass through untracked.
bool SymbolizingOnThisThread();

// The symbolizer's lock, held across fork() by fork_safety.cc.
InternalMutex& SymbolizerMutex();

// Appends one line per shown frame (runtime/stacks/frame_filter.h; inlined calls
// expanded): `indent` spaces, the frame's text, "\n".
void AppendTrace(std::string* out, std::span<const uintptr_t> pcs, int indent);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_STACK_TRACE_H_
