#include "runtime/stacks/stack_trace.h"

#include <libunwind.h>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "runtime/stacks/frame_walker.h"
#include "runtime/stacks/stack_room.h"
#include "runtime/base/zeroed_pages.h"

namespace lockdep {
namespace {

// Deeper stacks are cut: 256 frames is far more than any useful report.
constexpr int kMaxCaptureDepth = 256;

// Murmur3's finaliser: full avalanche, so linear probing on the low bits of
// the hash does not cluster on pcs that differ only in their low bits.
inline uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t HashFrames(const uintptr_t* pcs, int n) {
  uint64_t h = Mix(static_cast<uint64_t>(n));
  for (int i = 0; i < n; ++i) h = Mix(h ^ pcs[i]) + 0x9e3779b97f4a7c15ULL;
  return h;
}

// The slow, exact walk: reads DWARF CFI at every step and takes libunwind's
// cache lock, which blocks signals (two sigprocmask calls per frame): about
// 4 us per frame. Used under ThreadSanitizer (see CaptureStack) and when the
// fast walk cannot find the caller's frame.
int WalkStack(uintptr_t* pcs, int max, uintptr_t from) {
  FrameWalker walker;
  int n = 0;
  bool started = false;
  uintptr_t pc = 0, sp = 0;
  for (int frame = 0; n < max && frame < kMaxCaptureDepth && walker.Next(&pc, &sp); ++frame) {
    if (!started && pc != from) continue;
    started = true;
    pcs[n++] = pc;
  }
  return n;
}

// Inside: threads in an UnwindScope; closed: a fork is being prepared. Both
// sequentially consistent: a scope's increment then load, and the closer's
// store then load, must not pass each other (Dekker), or both would go on.
std::atomic<int> g_unwinders{0};
std::atomic<bool> g_unwind_gate_closed{false};
// The thread preparing a fork: a signal handler that interrupts it and
// unwinds must not wait for a gate its own thread closed.
constinit thread_local bool t_closed_unwind_gate = false;

}  // namespace

UnwindScope::UnwindScope() {
  for (;;) {
    g_unwinders.fetch_add(1);
    if (!g_unwind_gate_closed.load() || t_closed_unwind_gate) return;
    g_unwinders.fetch_sub(1);
    while (g_unwind_gate_closed.load()) sched_yield();
  }
}

UnwindScope::~UnwindScope() { g_unwinders.fetch_sub(1); }

void CloseUnwindGate() {
  t_closed_unwind_gate = true;
  g_unwind_gate_closed.store(true);
  while (g_unwinders.load() != 0) sched_yield();
}

void OpenUnwindGate(bool in_child) {
  // A thread of the parent may have been between its increment and its
  // check at fork(): it does not exist in the child.
  if (in_child) g_unwinders.store(0);
  g_unwind_gate_closed.store(false);
  t_closed_unwind_gate = false;
}

// noinline: the walk starts at this function's return address, so its own
// frame (and the unwinder's) are never part of the trace.
//
// unw_backtrace() is libunwind's fast trace: it caches a compact description
// of each frame by address, so a stack it has seen before costs ~15 ns per
// frame with no lock and no system call (measured: ~0.3 us for 20 frames,
// against ~75 us for the unw_step walk). Its cache is per thread, freed by a
// pthread-key destructor at thread exit, which crashes under
// ThreadSanitizer (TSan's thread state is already gone there), so TSan
// builds keep the exact walk. Frames it cannot describe (signal frames,
// unusual CFI) it walks the slow way itself. It never allocates after the
// thread's first call (the cache is mmap'ed once).
__attribute__((noinline)) int CaptureStack(uintptr_t* pcs, int max, int skip) {
  if (max <= 0) return 0;
  // A thread with a small stack gets no trace rather than an overflow (the
  // walk itself must run on the stack it walks).
  if (StackRoom() < kUnwindStackRoom) {
    CountTraceLeftOut();
    return 0;
  }
  skip = std::max(skip, 0);
  const auto from = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  uintptr_t raw[kMaxCaptureDepth];
  const int want = std::min(max + skip, kMaxCaptureDepth - 8);
  UnwindScope unwinding;
  int n = 0;
  if (kCaptureIsCheap) {
    // The first entries are the unwinder's and this function's frames.
    const int got = unw_backtrace(reinterpret_cast<void**>(raw), want + 8);
    int start = -1;
    for (int i = 0; i < got && i < 8; ++i) {
      if (raw[i] == from) {
        start = i;
        break;
      }
    }
    if (start >= 0) {
      n = got - start;
      std::memmove(raw, raw + start, static_cast<size_t>(n) * sizeof(uintptr_t));
    }
  }
  if (n == 0) n = WalkStack(raw, want, from);
  n = std::min(n - skip, max);
  if (n <= 0) return 0;
  std::memcpy(pcs, raw + skip, static_cast<size_t>(n) * sizeof(uintptr_t));
  return n;
}

void TraceStore::Map() {
  entries_ = ZeroedArray<uintptr_t>(kMaxTraceEntries);
  records_ = ZeroedArray<Record>(kMaxTraces + 1);
  slots_ = ZeroedArray<uint32_t>(kHashSlots);
}

uint32_t TraceStore::Save(const uintptr_t* pcs, int n) {
  if (n <= 0 || full_) return kNoTrace;
  if (slots_ == nullptr) Map();
  const uint64_t hash = HashFrames(pcs, n);
  const size_t bytes = static_cast<size_t>(n) * sizeof(uintptr_t);
  // At most kMaxTraces of the kHashSlots (2x) slots are ever used, so the
  // probe always reaches an empty slot, on average within two steps.
  size_t slot = hash & (kHashSlots - 1);
  for (; slots_[slot] != 0; slot = (slot + 1) & (kHashSlots - 1)) {
    const Record& r = records_[slots_[slot]];
    if (r.hash == hash && r.length == static_cast<uint32_t>(n) &&
        std::memcmp(&entries_[r.offset], pcs, bytes) == 0) {
      return slots_[slot];
    }
  }
  if (trace_count_ == kMaxTraces ||
      entry_count_ + static_cast<size_t>(n) > kMaxTraceEntries) {
    full_ = true;
    return kNoTrace;
  }
  // Only memory no returned id refers to is written before the id escapes, so
  // a concurrent Get() of an older id never sees a partial write.
  const uint32_t id = static_cast<uint32_t>(++trace_count_);
  records_[id] = {static_cast<uint32_t>(entry_count_),
                  static_cast<uint32_t>(n), hash};
  std::memcpy(&entries_[entry_count_], pcs, bytes);
  entry_count_ += static_cast<size_t>(n);
  slots_[slot] = id;
  return id;
}

std::span<const uintptr_t> TraceStore::Get(uint32_t id) const {
  // Bounded by the constant, not trace_count_: reading the count would race
  // with a concurrent Save(), and ids come only from Save() anyway.
  if (id == kNoTrace || id > kMaxTraces || records_ == nullptr) return {};
  const Record& r = records_[id];
  return {&entries_[r.offset], r.length};
}

void TraceStore::Clear() {
  // Only the slots must be empty again; records and entries past the counts
  // are never read before being rewritten.
  if (slots_ != nullptr) std::memset(slots_, 0, kHashSlots * sizeof(uint32_t));
  trace_count_ = 0;
  entry_count_ = 0;
  full_ = false;
}

}  // namespace lockdep
