// Per-thread validator state: the held-lock stack and the running chain key.
//
// Lives in static TLS (initial-exec), plain data with no constructor, so the
// fast path reaches it with one %fs-relative access. A pthread key registered
// on first use runs the "lock held at thread exit" check when the thread ends.
#ifndef LOCKDEP_RUNTIME_THREAD_STATE_H_
#define LOCKDEP_RUNTIME_THREAD_STATE_H_

#include <cstdint>

#include "runtime/base/limits.h"
#include "runtime/base/task_name.h"
#include "runtime/lockdep_map.h"

namespace lockdep {

struct HeldLock {
  lockdep_map* map;
  lockdep_map* nest_lock;
  unsigned long ip;         // where it was taken
  uint64_t prev_chain_key;  // chain key before this lock was pushed
  ClassId class_id;
  uint8_t read;             // 0 write, 1 read, 2 recursive read
  uint8_t trylock;
  uint8_t check;
  uint8_t irq_context;      // IrqContext() when taken: dependencies never
                            // cross contexts
  uint8_t hardirqs_off;     // irqs were disabled when taken
  uint32_t references;      // >0: several locks of one class merged (nest_lock)
};

// A push this thread made before at one depth: lock `link` (ChainStep: class,
// its generation, read mode) on the chain `prev` gave chain `key`, which the
// chain table held while its clear count was `clears`. A loop that takes the
// same locks in the same order finds each push here: no hash and no walk of
// the table's pointers.
struct ChainMemo {
  uint64_t prev;
  uint64_t link;
  uint64_t key;
  uint32_t clears;
};
inline constexpr uint32_t kChainMemoDepth = 8;  // deeper pushes compute

struct ThreadState {
  HeldLock held[kMaxLockDepth];
  ChainMemo chain_memo[kChainMemoDepth];
  // Where an acquire builds its entry when held[] is full (it is then only
  // merged into the top entry or refused).
  HeldLock spare;
  uint32_t depth;
  uint32_t max_depth;   // the deepest this thread's stack has been
  uint64_t chain_key;   // key of held[0..depth)
  // >0 while this thread is inside the validator or lockdep_off() is in
  // effect: acquires and releases are then not tracked.
  //
  // Kept apart on purpose: side by side, the compiler tests both with one
  // 8-byte load, which cannot be forwarded from the 4-byte store of the
  // previous hook's `--recursion` and stalls every hook (half of
  // lock_release's time in a nested lock loop).
  uint32_t recursion;
  bool exit_hook_installed;
  // The `ip` argument of the hook being run: traces start at the frame that
  // returns there (the user's code), skipping the primitive's own frames.
  unsigned long hook_ip;
  uint32_t off_count;

  // Simulated interrupt state. Zero is process context, irqs and bottom
  // halves enabled.
  uint32_t hardirq_depth;
  uint32_t softirq_depth;
  uint32_t bh_disable_count;
  bool hardirqs_off;
  // Per irq_enter nesting level (bit i): were irqs off before it.
  uint32_t irqs_off_before_enter;
  // Per irq_enter nesting level (bit i): did that handler interrupt this
  // thread inside the runtime? Its acquisitions cannot be tracked then (the
  // held-lock stack may be half-updated, the graph lock held), so they are
  // counted instead (UntrackedHandlerAcquisitions()).
  uint32_t irq_entered_in_runtime;

  bool softirqs_enabled() const {
    return bh_disable_count == 0 && softirq_depth == 0;
  }
  // 0 process, 1 softirq, 2 hardirq (Linux's task_irq_context()).
  uint8_t irq_context() const {
    return hardirq_depth ? 2 : softirq_depth ? 1 : 0;
  }
};

// Plain data in static TLS: zero-initialised, no constructor, initial-exec,
// so the fast path reaches it with one %fs-relative access and no call.
extern __thread ThreadState tls_thread_state
    __attribute__((tls_model("initial-exec")));

void InstallThreadExitHook(ThreadState& ts);

// This thread's state; first use per thread installs the exit hook.
inline ThreadState& CurrentThread() {
  ThreadState& ts = tls_thread_state;
  if (__builtin_expect(!ts.exit_hook_installed, 0)) InstallThreadExitHook(ts);
  return ts;
}

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_THREAD_STATE_H_
