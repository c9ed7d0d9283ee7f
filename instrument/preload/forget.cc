#include "instrument/preload/forget.h"

#include <pthread.h>

#include <cstdio>
#include <span>
#include <string>

#include "instrument/preload/block_table.h"
#include "instrument/preload/instance_order.h"
#include "instrument/preload/lock_classes.h"
#include "instrument/preload/reentry.h"
#include "runtime/lockdep.h"
#include "runtime/stacks/stack_room.h"
#include "runtime/stacks/stack_trace.h"

namespace lockdep::preload {
namespace {

// Heap blocks at least this large may be glibc's own mmap'd chunks, whose
// munmap hands their addresses to anything (another thread's stack): their
// locks are forgotten, not remembered dead. Smaller blocks stay in the heap,
// and the block table tells a reuse.
constexpr size_t kRememberBlocksBelow = 128 * 1024;

// The stack from the program's call site `ra` into e's death record.
// Cost: one cached unwind of a few frames (no lock).
void RecordDeath(LockEntry& e, uintptr_t ra) {
  e.death_frames = uint8_t(StackFrom(ra, e.death_pcs, kDeathFrames));
}

// The lock of `e` at `addr` ends (destroy or free from `ra`): reported when
// held, by this thread or (per glibc's state) another; dropped from this
// thread's held locks; kept dead with the stack of `ra`, or forgotten.
void EndLife(LockEntry& e, uintptr_t addr, LockFate fate, bool may_remember, uintptr_t ra) {
  if (e.fate.load(std::memory_order_relaxed) != LockFate::kLive) {
    // Destroyed, then its memory freed: the destroy's stack stays, and a
    // reuse of the memory is now told by the block table.
    if (fate == LockFate::kFreed) e.fate.store(fate, std::memory_order_relaxed);
    return;
  }
  ForgetInstance(&e);
  lockdep_map& map = e.map;
  bool mine = lock_is_held(&map);
  // Reports a lock this thread holds, or (glibc's state) another does.
  lockdep_destroy_map(&map, !mine && LockedNow(e.type, addr));
  // Reported once; the stale entry would otherwise be reported again at
  // thread exit, about memory that no longer exists.
  if (mine) {
    lock_release(&map, 0);
    NoteReleased(&e);
  }
  if (may_remember && RememberDead(e, fate)) {
    RecordDeath(e, ra);
  } else {
    RemoveLock(addr);
  }
}

}  // namespace

bool LockedNow(LockType type, uintptr_t addr) {
  switch (type) {
    case LockType::kMutex:
      return reinterpret_cast<const pthread_mutex_t*>(addr)->__data.__lock != 0;
    case LockType::kRwlock: {
      // glibc's __readers: bit 1 write-locked, bits 3.. the reader count.
      unsigned r = reinterpret_cast<const pthread_rwlock_t*>(addr)->__data.__readers;
      return (r & 2) != 0 || (r >> 3) != 0;
    }
    case LockType::kSpin:
      return SpinHeld(*reinterpret_cast<const volatile int*>(addr));
  }
  return false;
}

void ForgetLocksIn(uintptr_t start, size_t size, uintptr_t ra) {
  if (!g_ready.load(std::memory_order_relaxed)) return;
  bool may_remember = size < kRememberBlocksBelow;
  ForEachLockIn(start, size, [&](LockEntry& e) {
    EndLife(e, e.addr.load(std::memory_order_relaxed), LockFate::kFreed, may_remember, ra);
  });
}

void LockInitialised(uintptr_t addr, LockType type, uintptr_t ra) {
  Busy busy;
  if (LockEntry* old = FindLock(addr)) {
    if (lock_is_held(&old->map)) debug_check_no_locks_freed(&old->map, sizeof(old->map));
    ForgetInstance(old);  // a new lock from here on
  }
  ClassifyInit(addr, type, ra);
}

void LockDestroyed(uintptr_t addr, uintptr_t ra) {
  if (LockEntry* e = FindLock(addr)) {
    Busy busy;
    EndLife(*e, addr, LockFate::kDestroyed, true, ra);
  }
}

void ReportUseOfDead(const LockEntry& e, uintptr_t ra) {
  char line[160];
  std::snprintf(line, sizeof(line),
                "trying to take lock %#lx (%s), which was %s before this use, at:\n",
                static_cast<unsigned long>(e.addr.load(std::memory_order_relaxed)),
                e.map.name ? e.map.name : "?",
                e.fate.load(std::memory_order_relaxed) == LockFate::kFreed
                    ? "destroyed, or its memory freed,"
                    : "destroyed (pthread_*_destroy)");
  std::string detail = line;
  AppendTrace(&detail, std::span<const uintptr_t>(e.death_pcs, e.death_frames), 3);
  detail += " The program's call of the real function goes on (glibc answers EINVAL for a\n"
            " destroyed mutex; a freed one's memory may hold anything).";
  lockdep_report_misuse(ReportKind::kUninitializedLock, "use of uninitialized or destroyed lock",
                        detail.c_str(), &e.map, ra);
}

LockEntry* EntryForDead(LockEntry& e, uintptr_t addr, LockType type) {
  bool new_lock;
  if (e.fate.load(std::memory_order_relaxed) == LockFate::kFreed) {
    // Freed memory holds a lock again once it is allocated again.
    Block block;
    new_lock = FindBlockAndMarkLocks(addr, &block) || OnThisThreadsStack(addr);
  } else if (type == LockType::kMutex && e.type == LockType::kMutex) {
    // glibc's destroy stores -1 in __kind; anything else there is a mutex
    // set up again without an init call (= PTHREAD_MUTEX_INITIALIZER).
    new_lock = reinterpret_cast<const pthread_mutex_t*>(addr)->__data.__kind != -1;
  } else {
    // glibc's rwlock and spinlock destroys change nothing: a lock of a
    // stack frame that came later, or of another type, is new.
    new_lock = type != e.type || OnThisThreadsStack(addr);
  }
  return new_lock ? ClassifyFirstUse(addr, type) : &e;
}

}  // namespace lockdep::preload
