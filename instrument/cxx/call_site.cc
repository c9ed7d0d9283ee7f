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

enum : uint8_t {
  kUser = 1,
  kInternal = 2,
  kUnknown = 3,  // no symbol: a stripped object, or an unwinder's wrong turn
  kVerified = 1,
  kWrong = 2,
};

FactTable g_kind;      // (pc, 0) -> kUser / kInternal
FactTable g_verified;  // (ra, user pc) -> kVerified / kWrong

uint8_t KindOf(uintptr_t pc) {
  return g_kind.Get(pc, 0, [pc] {
    const std::vector<SourceFrame> frames = SourceFramesOfPc(pc);
    if (frames.back().function.empty()) return kUnknown;
    for (const SourceFrame& f : frames) {
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

}  // namespace

int FramePointerStack(const void* frame, uintptr_t* pcs, int max) {
  const StackBounds& stack = ThisStack();
  uintptr_t fp = reinterpret_cast<uintptr_t>(frame);
  int n = 0;
  while (n < max) {
    if (fp < stack.lo || fp % sizeof(uintptr_t) != 0 ||
        fp + 2 * sizeof(uintptr_t) > stack.hi) {
      break;
    }
    const uintptr_t* f = reinterpret_cast<const uintptr_t*>(fp);
    if (f[1] == 0) break;
    pcs[n++] = f[1];
    if (f[0] <= fp) break;  // frames grow towards higher addresses
    fp = f[0];
  }
  return n;
}

namespace {

// The first user frame above `ra` by following saved frame pointers from
// `frame` (the lock function's), or 0. A caller built without frame pointers
// yields a wrong guess at worst, never a fault; the caller checks the guess.
uintptr_t FramePointerGuess(const void* frame) {
  constexpr int kMaxLevels = 8;
  uintptr_t pcs[kMaxLevels];
  const int n = FramePointerStack(frame, pcs, kMaxLevels);
  for (int i = 1; i < n; ++i) {  // pcs[0] is ra
    if (KindOf(pcs[i]) == kUser) return pcs[i];
  }
  return 0;
}

}  // namespace

uintptr_t UserCallSite(uintptr_t ra, const void* frame) {
  if (ShowInternalFrames() || KindOf(ra) != kInternal) return ra;
  // Only a standard-library caller that was not inlined gets here (an
  // unoptimised build's std::lock_guard): follow the frame pointers, and
  // trust the answer once a full unwind agreed with it for this pair.
  const uintptr_t guess = FramePointerGuess(frame);
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
