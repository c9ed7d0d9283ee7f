// lockdep_free_range(): what user space has instead of the kernel's slab
// poisoning for locks. A lock inside freed memory is marked destroyed, so the
// next acquire of it is a report rather than silent corruption, and the report
// can say who freed it.
//
// Finding the locks needs no registry: every lockdep_map carries a magic
// `state` word, so the range is scanned at lockdep_map alignment for live
// maps. A stray data word that happens to equal the magic only gets the
// "destroyed" magic written over it, in memory that is being freed anyway.
//
// Limits: the stacks of the last kMaxFreedRanges frees that contained a lock
// are kept (older ones are overwritten; their reports then lack the stack).
#include "runtime/graph/freed_memory.h"

#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/strings/str_format.h"
#include "runtime/stacks/deferred_symbols.h"
#include "runtime/base/internal_mutex.h"
#include "runtime/base/limits.h"
#include "runtime/lockdep.h"
#include "runtime/graph/finding_records.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/graph/thread_state.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

inline constexpr size_t kMaxFreedRanges = 1024;

struct FreedRange {
  uintptr_t begin;
  uintptr_t end;  // 0: slot unused or forgotten
  long tid;
  int depth;
  uintptr_t pcs[kMaxStackDepth];
};

// A ring of records, newest at next - 1.
struct FreedRanges {
  InternalMutex mu;
  FreedRange ring[kMaxFreedRanges] ABSL_GUARDED_BY(mu) = {};
  size_t next ABSL_GUARDED_BY(mu) = 0;
};

// Static storage, constant-initialised: the ring (about 300 KiB) is zero
// pages that nothing touches until a free records a range. Allocated, it
// was cleared and faulted in by every process at start-up (the fork
// handlers make each lock's owner then). Trivially destroyed, so it is
// still there for frees during exit.
FreedRanges& Ranges() {
  static constinit FreedRanges ranges;
  return ranges;
}

// Marks every live map inside [begin, end) destroyed; returns how many.
int DestroyMapsIn(uintptr_t begin, uintptr_t end) {
  constexpr uintptr_t kAlign = alignof(lockdep_map);
  int found = 0;
  for (uintptr_t p = (begin + kAlign - 1) & ~(kAlign - 1);
       p + sizeof(lockdep_map) <= end; p += kAlign) {
    auto* map = reinterpret_cast<lockdep_map*>(p);
    const uint32_t s = map->state.load(std::memory_order_relaxed);
    if (s != kLockdepMapLive && s != kLockdepMapStatic) continue;
    map->state.store(kLockdepMapDestroyed, std::memory_order_release);
    ++found;
  }
  return found;
}

}  // namespace

InternalMutex& FreedMemoryMutex() { return Ranges().mu; }

std::string FreedMemoryText(const lockdep_map* map) {
  const auto m = reinterpret_cast<uintptr_t>(map);
  FreedRange f{};
  {
    FreedRanges& r = Ranges();
    InternalLock lock(r.mu);
    for (size_t i = 0; i < kMaxFreedRanges && f.end == 0; ++i) {
      const FreedRange& c =
          r.ring[(r.next + kMaxFreedRanges - 1 - i) % kMaxFreedRanges];
      if (c.end != 0 && m >= c.begin && m < c.end) f = c;
    }
  }
  if (f.end == 0) return "";
  {
    std::string text = absl::StrFormat(
        "The memory holding it ([%#x, %#x), %u bytes) was freed by task %ld "
        "at:\n",
        f.begin, f.end, f.end - f.begin, f.tid);
    AppendTracePlaceholder(&text, std::span<const uintptr_t>(f.pcs, size_t(f.depth)), 1);
    return text;
  }
}

}  // namespace lockdep

using namespace lockdep;

int lockdep_free_range(const void* addr, unsigned long len, unsigned long ip) {
  if (len == 0) return 0;
  debug_check_no_locks_freed(addr, len);
  const auto begin = reinterpret_cast<uintptr_t>(addr);
  const int maps = DestroyMapsIn(begin, begin + len);
  if (maps == 0) return 0;
  ThreadState& ts = CurrentThread();
  FreedRange f{begin, begin + len, CurrentTid(), 0, {}};
  if (ts.recursion == 0) {
    InValidator guard(ts);
    ts.hook_ip = ip;  // the trace starts at the caller of the free
    f.depth = CaptureFromHook(
        reinterpret_cast<uintptr_t>(__builtin_return_address(0)), f.pcs,
        kMaxStackDepth);
  }
  FreedRanges& r = Ranges();
  InternalLock lock(r.mu);
  r.ring[r.next] = f;
  r.next = (r.next + 1) % kMaxFreedRanges;
  return maps;
}

void lockdep_forget_freed_range(const void* addr) {
  const auto begin = reinterpret_cast<uintptr_t>(addr);
  FreedRanges& r = Ranges();
  InternalLock lock(r.mu);
  for (FreedRange& f : r.ring) {
    if (f.end != 0 && f.begin == begin) f.end = 0;
  }
}
