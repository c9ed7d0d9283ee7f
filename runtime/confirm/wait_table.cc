#include "runtime/confirm/wait_table.h"

#include <cstring>

#include "runtime/base/spin_mutex.h"

namespace lockdep {
namespace {

// One cell per slot, each with its own lock: a thread publishes into its
// own cell only, so threads do not contend (one global lock made the watch
// cost twice the validation in a two-thread loop).
struct Cell {
  std::atomic<bool> claimed{false};
  SpinMutex mu;
  WaitSlot slot ABSL_GUARDED_BY(mu);
};

// Allocated by the first publication, never freed (threads may publish until
// the process ends).
std::atomic<Cell*> cells{nullptr};

Cell* Cells() {
  Cell* c = cells.load(std::memory_order_acquire);
  if (c != nullptr) return c;
  Cell* fresh = new Cell[kMaxWaitSlots];
  if (cells.compare_exchange_strong(c, fresh, std::memory_order_acq_rel)) return fresh;
  delete[] fresh;
  return c;
}

// This thread's slot + 1; 0 when it has none.
__thread int tls_slot __attribute__((tls_model("initial-exec")));
// The slot it had last (+ 1), tried first: a thread gives its slot back
// each time it holds nothing, and takes one again at its next lock.
__thread int tls_last_slot __attribute__((tls_model("initial-exec")));
// Its id and name, asked of the kernel once per thread, not per claim.
__thread long tls_tid __attribute__((tls_model("initial-exec")));
__thread char tls_task[sizeof(WaitSlot::task)] __attribute__((tls_model("initial-exec")));

bool Claim(Cell* table, int i) {
  bool expected = false;
  if (!table[i].claimed.compare_exchange_strong(expected, true)) return false;
  tls_slot = i + 1;
  tls_last_slot = i + 1;
  return true;
}

}  // namespace

void PublishWaitState(const ThreadState& ts, const WaitLock& pending,
                      const uintptr_t* stack, int n) {
  const bool idle = ts.depth == 0 && pending.map == nullptr;
  if (idle && tls_slot == 0) return;
  Cell* table = Cells();
  if (tls_slot == 0) {
    if (tls_tid == 0) {
      tls_tid = CurrentTid();
      CurrentTaskName(tls_task, sizeof(tls_task));
    }
    if (tls_last_slot == 0 || !Claim(table, tls_last_slot - 1)) {
      for (int i = 0; i < kMaxWaitSlots && !Claim(table, i); ++i) {
      }
    }
    if (tls_slot == 0) return;  // full: this thread is not watched
    Cell& cell = table[tls_slot - 1];
    SpinLock lock(cell.mu);
    cell.slot.tid = tls_tid;
    std::memcpy(cell.slot.task, tls_task, sizeof(tls_task));
  }
  Cell& cell = table[tls_slot - 1];
  SpinLock lock(cell.mu);
  WaitSlot& s = cell.slot;
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
    cell.claimed.store(false, std::memory_order_release);
    tls_slot = 0;
  }
}

std::vector<WaitSlot> SnapshotWaitTable() {
  std::vector<WaitSlot> out;
  Cell* table = cells.load(std::memory_order_acquire);
  if (table == nullptr) return out;
  out.reserve(16);
  for (int i = 0; i < kMaxWaitSlots; ++i) {
    if (!table[i].claimed.load(std::memory_order_acquire)) continue;
    SpinLock lock(table[i].mu);
    if (table[i].slot.tid != 0) out.push_back(table[i].slot);
  }
  return out;
}

void ResetWaitTableInForkChild() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  tls_slot = 0;
  tls_tid = 0;
  Cell* table = cells.load(std::memory_order_acquire);
  if (table == nullptr) return;
  for (int i = 0; i < kMaxWaitSlots; ++i) {
    table[i].mu.ResetInForkChild();
    table[i].slot.tid = 0;
    table[i].claimed.store(false, std::memory_order_relaxed);
  }
}

}  // namespace lockdep
