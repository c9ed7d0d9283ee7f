#include "instrument/cxx/call_site.h"

#include <pthread.h>

#include <atomic>
#include <vector>

#include "runtime/source_frames.h"
#include "runtime/stack_trace.h"

namespace lockdep::internal {
namespace {

// Open addressing, never erased: a program has a bounded number of lock call
// sites. When full, answers are computed every time (slow, still right).
constexpr size_t kSlots = 4096;
constexpr size_t kProbes = 16;

// A lock-free set of facts keyed by one or two addresses; a fact is published
// after its key, so a reader that sees the key half-written recomputes.
struct Slot {
  std::atomic<uintptr_t> a{0};
  std::atomic<uintptr_t> b{0};
  std::atomic<uint8_t> value{0};  // 0: not yet published
};

class FactTable {
 public:
  // The value for (a, b), computing and remembering it on first sight.
  template <typename Compute>
  uint8_t Get(uintptr_t a, uintptr_t b, Compute compute) {
    size_t i = ((a ^ (b * 31)) * 0x9E3779B97F4A7C15ull) >> 52;
    for (size_t probe = 0; probe < kProbes; ++probe, i = (i + 1) % kSlots) {
      Slot& s = slots_[i];
      uintptr_t seen = s.a.load(std::memory_order_acquire);
      if (seen == 0) {
        const uint8_t value = compute();
        if (s.a.compare_exchange_strong(seen, a, std::memory_order_acq_rel)) {
          s.b.store(b, std::memory_order_relaxed);
          s.value.store(value, std::memory_order_release);
        }
        return value;
      }
      if (seen != a) continue;
      const uint8_t value = s.value.load(std::memory_order_acquire);
      if (value == 0) return compute();  // being published
      if (s.b.load(std::memory_order_relaxed) == b) return value;
    }
    return compute();
  }

 private:
  Slot slots_[kSlots];
};

enum : uint8_t { kUser = 1, kInternal = 2, kVerified = 1, kWrong = 2 };

FactTable g_kind;      // (pc, 0) -> kUser / kInternal
FactTable g_verified;  // (ra, user pc) -> kVerified / kWrong

uint8_t KindOf(uintptr_t pc) {
  return g_kind.Get(pc, 0, [pc] {
    for (const SourceFrame& f : SourceFramesOfPc(pc)) {
      if (!f.internal) return kUser;
    }
    return kInternal;
  });
}

// The first user frame above `ra` by a full unwind (libunwind, DWARF CFI):
// right whatever the compiler did with frame pointers, but microseconds.
uintptr_t UnwoundUserCallSite(uintptr_t ra) {
  constexpr int kMaxFrames = 24;
  uintptr_t pcs[kMaxFrames];
  const int n = CaptureStack(pcs, kMaxFrames, 0);
  int i = 0;
  while (i < n && pcs[i] != ra) ++i;
  for (++i; i < n; ++i) {
    if (KindOf(pcs[i]) == kUser) return pcs[i];
  }
  return ra;  // nothing of the user's on the stack: keep what is true
}

struct StackBounds {
  uintptr_t lo = 0;
  uintptr_t hi = 0;
};

// This thread's stack, read once per thread.
const StackBounds& ThisStack() {
  thread_local StackBounds bounds = [] {
    StackBounds b;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      size_t size = 0;
      if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
        b.lo = reinterpret_cast<uintptr_t>(addr);
        b.hi = b.lo + size;
      }
      pthread_attr_destroy(&attr);
    }
    return b;
  }();
  return bounds;
}

// The first user frame above `ra` by following saved frame pointers from
// `fp` (the lock function's frame), or 0. Reads only inside this thread's
// stack, so a caller built without frame pointers yields a wrong guess at
// worst, never a fault; the caller checks the guess.
uintptr_t FramePointerGuess(uintptr_t fp) {
  const StackBounds& stack = ThisStack();
  constexpr int kMaxLevels = 8;
  for (int level = 0; level < kMaxLevels; ++level) {
    if (fp < stack.lo || fp % sizeof(uintptr_t) != 0 ||
        fp + 2 * sizeof(uintptr_t) > stack.hi) {
      return 0;
    }
    const uintptr_t* frame = reinterpret_cast<const uintptr_t*>(fp);
    const uintptr_t pc = frame[1];
    if (level > 0 && pc != 0 && KindOf(pc) == kUser) return pc;
    if (frame[0] <= fp) return 0;  // frames grow towards higher addresses
    fp = frame[0];
  }
  return 0;
}

}  // namespace

uintptr_t UserCallSite(uintptr_t ra, const void* frame) {
  if (ShowInternalFrames() || KindOf(ra) == kUser) return ra;
  // Only a standard-library caller that was not inlined gets here (an
  // unoptimised build's std::lock_guard): follow the frame pointers, and
  // trust the answer once a full unwind agreed with it for this pair.
  const uintptr_t guess = FramePointerGuess(reinterpret_cast<uintptr_t>(frame));
  if (guess != 0) {
    uintptr_t unwound = 0;
    const uint8_t verdict = g_verified.Get(ra, guess, [&] {
      unwound = UnwoundUserCallSite(ra);
      return unwound == guess ? kVerified : kWrong;
    });
    if (verdict == kVerified) return guess;
    if (unwound != 0) return unwound;
  }
  return UnwoundUserCallSite(ra);
}

}  // namespace lockdep::internal
