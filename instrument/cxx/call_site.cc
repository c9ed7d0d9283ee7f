#include "instrument/cxx/call_site.h"

#include <pthread.h>

#include <atomic>
#include <vector>

#include "runtime/stacks/frame_walker.h"
#include "runtime/stacks/source_frames.h"
#include "runtime/stacks/stack_trace.h"

namespace lockdep::internal {
namespace {

// Open addressing, never erased: a program has a bounded number of lock call
// sites. When full, answers are computed every time (slow, still right).
constexpr size_t kSlots = 4096;
constexpr size_t kProbes = 16;

size_t HashOf(uintptr_t a, uintptr_t b) {
  return ((a ^ (b * 31)) * 0x9E3779B97F4A7C15ull) >> 52;
}

// A lock-free map from a pc to a fact about it; a fact is published after
// its key, so a reader that sees the key half-written recomputes.
class PcFacts {
 public:
  // The value for `pc`, computing and remembering it on first sight. A pc
  // seen before costs a hash and one slot's loads, inline.
  template <typename Compute>
  uint8_t Get(uintptr_t pc, Compute compute) {
    const Slot& s = slots_[HashOf(pc, 0)];
    if (s.pc.load(std::memory_order_acquire) == pc) {
      const uint8_t value = s.value.load(std::memory_order_acquire);
      if (value != 0) return value;  // 0: being published
    }
    return Probe(pc, compute);
  }

 private:
  template <typename Compute>
  [[gnu::noinline]] uint8_t Probe(uintptr_t pc, Compute compute) {
    size_t i = HashOf(pc, 0);
    for (size_t probe = 0; probe < kProbes; ++probe, i = (i + 1) % kSlots) {
      Slot& s = slots_[i];
      uintptr_t seen = s.pc.load(std::memory_order_acquire);
      if (seen == 0) {
        const uint8_t value = compute();
        if (s.pc.compare_exchange_strong(seen, pc, std::memory_order_acq_rel)) {
          s.value.store(value, std::memory_order_release);
        }
        return value;
      }
      if (seen != pc) continue;
      const uint8_t value = s.value.load(std::memory_order_acquire);
      return value != 0 ? value : compute();
    }
    return compute();
  }

  struct Slot {
    std::atomic<uintptr_t> pc{0};
    std::atomic<uint8_t> value{0};
  };
  Slot slots_[kSlots];
};

enum : uint8_t {
  kUser = 1,
  kInternal = 2,
  kUnknown = 3,  // no symbol: a stripped object, or an unwinder's wrong turn
};

PcFacts g_kind;  // pc -> kUser / kInternal / kUnknown

uint8_t KindOf(uintptr_t pc) {
  return g_kind.Get(pc, [pc]() -> uint8_t {
    const std::vector<SourceFrame> frames = SourceFramesOfPc(pc);
    if (frames.back().function.empty()) return kUnknown;
    for (const SourceFrame& f : frames) {
      if (!f.internal) return kUser;
    }
    return kInternal;
  });
}

struct StackBounds {
  uintptr_t lo = 0;
  uintptr_t hi = 0;
  bool Holds(uintptr_t addr) const {
    return addr >= lo && addr % sizeof(uintptr_t) == 0 &&
           addr + sizeof(uintptr_t) <= hi;
  }
};

// This thread's stack, read at its first use (constinit: no TLS wrapper
// call on later ones; a thread whose bounds cannot be read retries).
const StackBounds& ThisStack() {
  constinit thread_local StackBounds bounds;
  if (bounds.hi == 0) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      void* addr = nullptr;
      size_t size = 0;
      if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
        bounds.lo = reinterpret_cast<uintptr_t>(addr);
        bounds.hi = bounds.lo + size;
      }
      pthread_attr_destroy(&attr);
    }
  }
  return bounds;
}

// One step up the saved frame pointers: from the frame at `*fp` to its
// caller's, with `*pc` the return address into the caller. False at the
// stack's end or when the chain leaves this thread's stack (code without
// frame pointers gives wrong addresses, never a fault).
bool NextFrame(const StackBounds& stack, uintptr_t* fp, uintptr_t* pc) {
  if (!stack.Holds(*fp) || !stack.Holds(*fp + sizeof(uintptr_t))) return false;
  const uintptr_t* f = reinterpret_cast<const uintptr_t*>(*fp);
  if (f[1] == 0) return false;
  *pc = f[1];
  // Frames grow towards higher addresses; 0 (never on the stack) ends the
  // walk after this pc.
  *fp = f[0] > *fp ? f[0] : 0;
  return true;
}

// ---------------------------------------------------------------------------
// Paths: the user's call site behind a standard-library caller, learnt once
// by a full unwind and proved again on every later lock by a few loads.
//
// Why the key alone cannot hold the answer: the same ra (a guard's call of
// lock()) is reached from every user line that uses that guard, and the
// frame-pointer walk does not see the caller of a frame that keeps no frame
// pointer (libstdc++.so, -fomit-frame-pointer code). So two paths can agree
// on everything the walk sees and differ in the frame it skipped, e.g. one
// call instruction that reaches a guard through a function pointer to two
// user functions: same ra, same saved addresses, two answers.
//
// So the key only narrows the search: (ra, guess), where guess is the first
// frame above ra, by the saved frame pointers, that is not the standard
// library's or lockdep's (FramePointerGuess). For a guard called by the
// user's code that is the first saved return address above ra, so a path
// seen before is found without classifying anything, and each user line
// through a guard gets its own key. What identifies the answer is the stack
// itself: an entry keeps the return addresses the unwind found above ra, up
// to and including the answer (the first user frame), and the slot each was
// read from, as an offset from the lock function's frame, and applies iff
// every slot holds its address now. That proves the path: ra is in the key,
// and the slot of frame i+1's return address lies a fixed distance above
// frame i's, set by the code at frame i's return address (its frame size
// there), so once the addresses below match, the next slot is the one the
// unwinder would read. This relies on the frames between the lock and the
// answer, all the standard library's, having a fixed size at each call (no
// alloca), as its guards do; the user's own frames do not matter. An entry
// whose slots do not hold is passed over, and another path may be learnt
// under the same key.

constexpr int kMaxChain = 6;        // internal frames + 1 above ra, at most
constexpr int kMaxPathsPerKey = 4;  // beyond that: an unwind every time

struct Path {
  int length = 0;  // 0: not cacheable (answer from an unwind, not proved)
  int32_t offset[kMaxChain] = {};  // slot of pc[i], relative to the frame
  uintptr_t pc[kMaxChain] = {};    // pc[length - 1] is the answer
};

// A word of this thread's stack that should be a return address slot. Not
// checked by AddressSanitizer: where an assumption fails (a signal frame, a
// guard with a variable-size frame) it may be a local's redzone, and the
// word is only compared, never used.
__attribute__((no_sanitize("address"))) uintptr_t StackWord(uintptr_t addr) {
  return *reinterpret_cast<const uintptr_t*>(addr);
}

// Whether the stack above `frame` holds `path`. Each slot is read only after
// the return address below it matched, so it is the slot the unwinder would
// read (see above).
bool PathHolds(const Path& path, uintptr_t frame, const StackBounds& stack) {
  for (int i = 0; i < path.length; ++i) {
    const uintptr_t slot = frame + path.offset[i];
    if (!stack.Holds(slot) || StackWord(slot) != path.pc[i]) return false;
  }
  return true;
}

class PathTable {
 public:
  // The answer of a published path under (ra, guess) that the stack above
  // `frame` holds, or 0.
  uintptr_t Find(uintptr_t ra, uintptr_t guess, uintptr_t frame,
                 const StackBounds& stack) {
    size_t i = HashOf(ra, guess);
    for (size_t probe = 0; probe < kProbes; ++probe, i = (i + 1) % kSlots) {
      Slot& s = slots_[i];
      const uintptr_t seen = s.ra.load(std::memory_order_acquire);
      if (seen == 0) return 0;  // paths are added in probe order
      if (seen != ra || !s.published.load(std::memory_order_acquire) ||
          s.guess != guess) {
        continue;
      }
      if (PathHolds(s.path, frame, stack)) return s.path.pc[s.path.length - 1];
    }
    return 0;
  }

  // Remembers `path` under (ra, guess), unless the table's probe window or
  // the key's quota is full (then the path is unwound every time).
  void Add(uintptr_t ra, uintptr_t guess, const Path& path) {
    size_t i = HashOf(ra, guess);
    int same_key = 0;
    for (size_t probe = 0; probe < kProbes; ++probe, i = (i + 1) % kSlots) {
      Slot& s = slots_[i];
      uintptr_t seen = s.ra.load(std::memory_order_acquire);
      if (seen == 0 &&
          s.ra.compare_exchange_strong(seen, ra, std::memory_order_acq_rel)) {
        s.guess = guess;
        s.path = path;
        s.published.store(true, std::memory_order_release);
        return;
      }
      // Lost the slot to another thread, or it was taken: judge it as taken.
      if (seen == ra && s.published.load(std::memory_order_acquire) &&
          s.guess == guess && ++same_key == kMaxPathsPerKey) {
        return;
      }
    }
  }

 private:
  // guess and path are written once, before `published`, by the thread that
  // claimed `ra`, and read only after `published`.
  struct Slot {
    std::atomic<uintptr_t> ra{0};
    std::atomic<bool> published{false};
    uintptr_t guess = 0;
    Path path;
  };
  Slot slots_[kSlots];
};

PathTable g_paths;
std::atomic<uint64_t> g_unwinds{0};
std::atomic<uint64_t> g_wrong_guesses{0};

// The first user frame above `ra` by a full unwind (libunwind, DWARF CFI):
// right whatever the compiler did with frame pointers, but microseconds.
// `frame` is the lock function's, whose return address is ra: the unwind
// starts where the stack pointer is just above it. Fills `path` when the
// answer can be proved again from the stack (see PathTable); returns ra when
// no user frame is found.
uintptr_t UnwoundUserCallSite(uintptr_t ra, uintptr_t frame, Path* path) {
  g_unwinds.fetch_add(1, std::memory_order_relaxed);
  path->length = 0;
  // Each libunwind call in its own UnwindScope (stack_trace.h), so that a
  // fork never copies libunwind's lock held; KindOf below takes the
  // symbolizer's lock, which must stay outside any scope.
  FrameWalker walker{FrameWalker::ScopedStart{}};
  if (!walker.ok()) return ra;
  uintptr_t pc = 0, sp = 0;
  const auto step = [&] {
    UnwindScope unwinding;
    return walker.Next(&pc, &sp);
  };
  // The lock function keeps a frame pointer (it takes its frame's address):
  // its return address is at frame + 8, so its caller's stack pointer after
  // the return is frame + 16.
  const uintptr_t caller_sp = frame + 2 * sizeof(uintptr_t);
  const StackBounds& stack = ThisStack();
  constexpr int kMaxFrames = 64;
  bool above_ra = false;
  bool provable = true;
  Path found;
  for (int n = 0; n < kMaxFrames && step(); ++n) {
    if (!above_ra) {
      above_ra = pc == ra && sp == caller_sp;
      continue;
    }
    // A call pushed this return address just below the caller's stack
    // pointer (x86-64); elsewhere, or in a signal frame, the check fails
    // and the answer is not remembered.
    const uintptr_t slot = sp - sizeof(uintptr_t);
    provable = provable && found.length < kMaxChain && stack.Holds(slot) &&
               StackWord(slot) == pc;
    if (provable) {
      found.offset[found.length] = static_cast<int32_t>(slot - frame);
      found.pc[found.length] = pc;
      ++found.length;
    }
    if (KindOf(pc) == kUser) {
      if (provable) *path = found;
      return pc;
    }
  }
  return ra;  // nothing of the user's on the stack: keep what is true
}

// The first frame at or above `pc` (the return address read from the frame
// below `fp`) that is not the standard library's or lockdep's, by following
// saved frame pointers, or 0: the guess of the user's call site. A caller
// built without frame pointers yields a wrong guess at worst, never a fault;
// the path table checks the guess.
uintptr_t FramePointerGuess(uintptr_t pc, uintptr_t fp, const StackBounds& stack) {
  constexpr int kMaxLevels = 7;
  for (int level = 0; level < kMaxLevels; ++level) {
    if (KindOf(pc) != kInternal) return pc;
    if (!NextFrame(stack, &fp, &pc)) return 0;
  }
  return 0;
}

}  // namespace

int FramePointerStack(const void* frame, uintptr_t* pcs, int max) {
  const StackBounds& stack = ThisStack();
  uintptr_t fp = reinterpret_cast<uintptr_t>(frame);
  int n = 0;
  while (n < max && NextFrame(stack, &fp, &pcs[n])) ++n;
  return n;
}

namespace {

// UserCallSite for a standard-library `ra`; out of line, so that the common
// case (a user's ra) pays for no more than its lookup.
[[gnu::noinline]] uintptr_t SiteAboveInternalCaller(
    uintptr_t ra, const void* frame_address) {
  // Only a standard-library caller that was not inlined gets here (an
  // unoptimised build's std::lock_guard). The common such path is a guard
  // called by the user: then the first saved return address above ra is
  // the key (see PathTable), tried before anything is classified.
  const uintptr_t frame = reinterpret_cast<uintptr_t>(frame_address);
  const StackBounds& stack = ThisStack();
  uintptr_t fp = frame;
  uintptr_t next = 0;  // the first return address above ra
  if (NextFrame(stack, &fp, &next) && NextFrame(stack, &fp, &next)) {
    if (const uintptr_t site = g_paths.Find(ra, next, frame, stack)) return site;
  } else {
    next = 0;
  }
  const uintptr_t guess = next != 0 ? FramePointerGuess(next, fp, stack) : 0;
  if (guess != next) {
    if (const uintptr_t site = g_paths.Find(ra, guess, frame, stack)) return site;
  }
  Path path;
  const uintptr_t site = UnwoundUserCallSite(ra, frame, &path);
  if (site != guess) g_wrong_guesses.fetch_add(1, std::memory_order_relaxed);
  if (path.length > 0) g_paths.Add(ra, guess, path);
  return site;
}

}  // namespace

uintptr_t UserCallSite(uintptr_t ra, const void* frame_address) {
  if (ShowInternalFrames() || KindOf(ra) != kInternal) return ra;
  return SiteAboveInternalCaller(ra, frame_address);
}

CallSiteStats CallSiteStatsForTest() {
  return CallSiteStats{g_unwinds.load(std::memory_order_relaxed),
                       g_wrong_guesses.load(std::memory_order_relaxed)};
}

}  // namespace lockdep::internal
