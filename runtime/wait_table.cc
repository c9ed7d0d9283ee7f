#include "runtime/wait_table.h"

#include <sched.h>

#include <cstring>

namespace lockdep {
namespace {

// A spin lock, not an InternalMutex: the table is touched from inside every
// hook, and a pthread mutex there would be interposed (LD_PRELOAD) and cost
// more than the copy it guards.
class ABSL_LOCKABLE SpinMutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    while (flag_.exchange(true, std::memory_order_acquire)) sched_yield();
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

class ABSL_SCOPED_LOCKABLE SpinLock {
 public:
  explicit SpinLock(SpinMutex& mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_.Lock(); }
  ~SpinLock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

 private:
  SpinMutex& mu_;
};

constinit SpinMutex table_mu;
// Allocated at the first publication, never freed (threads may publish
// until the process ends).
WaitSlot* table ABSL_GUARDED_BY(table_mu) = nullptr;

// This thread's slot + 1; 0 when it has none.
__thread int tls_slot __attribute__((tls_model("initial-exec")));

}  // namespace

void PublishWaitState(const ThreadState& ts, const WaitLock& pending,
                      const uintptr_t* stack, int n) {
  const bool idle = ts.depth == 0 && pending.map == nullptr;
  if (idle && tls_slot == 0) return;
  char task[sizeof(WaitSlot::task)] = {};
  if (tls_slot == 0) CurrentTaskName(task, sizeof(task));
  SpinLock lock(table_mu);
  if (table == nullptr) table = new WaitSlot[kMaxWaitSlots];
  if (tls_slot == 0) {
    for (int i = 0; i < kMaxWaitSlots; ++i) {
      if (table[i].tid == 0) {
        table[i].tid = CurrentTid();
        std::memcpy(table[i].task, task, sizeof(task));
        tls_slot = i + 1;
        break;
      }
    }
    if (tls_slot == 0) return;  // full: this thread is not watched
  }
  WaitSlot& s = table[tls_slot - 1];
  ++s.seq;
  s.pending = pending;
  s.depth = 0;
  for (uint32_t i = 0; i < ts.depth; ++i) {
    const HeldLock& h = ts.held[i];
    // The pending lock is already on the stack (the hook runs before the
    // real acquire); it is not held yet.
    if (pending.map != nullptr && i + 1 == ts.depth && h.map == pending.map) break;
    s.held[s.depth++] = {h.map, h.class_id, h.read, h.ip};
  }
  s.stack_frames = n < kWaitStackDepth ? n : kWaitStackDepth;
  for (int i = 0; i < s.stack_frames; ++i) s.stack[i] = stack[i];
  if (idle) {
    s.tid = 0;
    tls_slot = 0;
  }
}

std::vector<WaitSlot> SnapshotWaitTable() {
  std::vector<WaitSlot> out;
  out.reserve(16);
  SpinLock lock(table_mu);
  if (table == nullptr) return out;
  for (int i = 0; i < kMaxWaitSlots; ++i) {
    if (table[i].tid != 0) out.push_back(table[i]);
  }
  return out;
}

}  // namespace lockdep
