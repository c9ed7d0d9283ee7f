// What each thread holds and is about to wait for, published for the
// deadlock watchdog (deadlock_watchdog.h) during confirmation runs.
//
// The held-lock stacks live in each thread's TLS, which another thread cannot
// read safely; so while confirmation is on, every lock_acquire() and
// lock_release() copies its thread's stack here, together with the lock it
// is about to block on ("pending"). A lock stays pending until the thread's
// next hook: a thread that took it without waiting shows it pending, which
// is harmless, as nobody else can show it held meanwhile.
//
// Limits: kMaxWaitSlots threads at once (the others are not watched). A
// thread gives its slot back whenever it holds and awaits nothing.
// Cost per hook: the thread's own slot's spin lock (uncontended but for the
// watchdog's look) and a copy of the held stack; only in confirmation runs.
#ifndef LOCKDEP_RUNTIME_WAIT_TABLE_H_
#define LOCKDEP_RUNTIME_WAIT_TABLE_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "runtime/base/limits.h"
#include "runtime/lockdep_map.h"
#include "runtime/graph/thread_state.h"

namespace lockdep {

inline constexpr int kMaxWaitSlots = 256;
inline constexpr int kWaitStackDepth = 24;

struct WaitLock {
  const lockdep_map* map = nullptr;  // the instance
  ClassId class_id = kNoClass;
  uint8_t read = 0;
  unsigned long ip = 0;  // where it was (or is being) taken
};

struct WaitSlot {
  long tid = 0;  // 0: free
  char task[40] = {};
  uint64_t seq = 0;  // bumped by every publication
  WaitLock pending;  // map nullptr: none
  uint32_t depth = 0;
  WaitLock held[kMaxLockDepth];  // the pending lock left out
  int stack_frames = 0;
  uintptr_t stack[kWaitStackDepth] = {};  // where `pending` is being taken
};

// Publishes this thread's held locks and `pending` (map nullptr: none), with
// `stack` (n frames, may be 0) as the pending acquire's stack. Allocates the
// table on first use.
void PublishWaitState(const ThreadState& ts, const WaitLock& pending,
                      const uintptr_t* stack, int n);

// In a fork child (the forking thread is the only one left): forgets every
// slot, the other threads' and this thread's own, and any slot lock another
// thread held at the fork.
void ResetWaitTableInForkChild();

// A copy of every slot in use, each taken under its slot's lock (the slots
// are not one consistent moment: the watchdog asks for a wait cycle to stay
// put before it believes it).
std::vector<WaitSlot> SnapshotWaitTable();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_WAIT_TABLE_H_
