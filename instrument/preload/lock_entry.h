// What every interposer shares: finding (or creating) the entry of a lock
// on its way in, and the calling thread's id as glibc records lock owners.
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_LOCK_ENTRY_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_LOCK_ENTRY_H_

#include <cstdint>

#include "instrument/preload/forget.h"
#include "instrument/preload/lock_classes.h"
#include "instrument/preload/lock_table.h"
#include "instrument/preload/reentry.h"

// The interposer's return address: the program's call site, which reports
// name as "at:" and where their stack traces start.
#define LOCKDEP_PRELOAD_RA \
  (reinterpret_cast<uintptr_t>(__builtin_return_address(0)))

namespace lockdep::preload {

// The entry of the lock at `p`, classed on first use when it had no init
// call. nullptr when a table is full (the lock then goes unvalidated).
// A lock destroyed or freed before is, for an acquire (`ra` given), reported
// as used after its death and left untracked (nullptr); for a release
// (ra == 0) its dead entry is returned, whose holder may still let it go. A
// new lock made at its address since is classed anew (forget.h).
// Cost: one lock-free lookup; the first use is the slow path.
inline LockEntry* EntryFor(const volatile void* p, LockType type, uintptr_t ra) {
  uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  if (LockEntry* e = FindLock(addr)) {
    if (__builtin_expect(e->fate.load(std::memory_order_relaxed) == LockFate::kLive, 1)) {
      return e;
    }
    Busy busy;
    LockEntry* found = EntryForDead(*e, addr, type);
    if (found && ra != 0 && found->fate.load(std::memory_order_relaxed) != LockFate::kLive) {
      ReportUseOfDead(*found, ra);
      return nullptr;
    }
    return found;
  }
  Busy busy;
  return ClassifyFirstUse(addr, type);
}

// What a trylock's acquire needs, found before the real trylock is tried:
// once it succeeds the program holds the lock, and a lock's first use (its
// class from the call site) and a wrapper's call site are symbolised, which
// allocates. A program whose malloc takes that very lock by trylock
// (jemalloc, in rustc and cargo) would then wait for itself. A lock
// destroyed before is reported here, as any acquire of it (entry nullptr).
// Cost: EntryFor's, and UserCallSite's.
struct TryAcquire {
  LockEntry* entry = nullptr;  // nullptr: pass through, or nothing to track
  uintptr_t site = 0;          // UserCallSite(ra)
};
inline TryAcquire PrepareTryAcquire(const volatile void* p, LockType type, uintptr_t ra) {
  TryAcquire t;
  if (PassThrough()) return t;
  t.entry = EntryFor(p, type, ra);
  if (t.entry != nullptr) t.site = UserCallSite(ra);
  return t;
}

// The calling thread's kernel id, cached (reset in a fork child). glibc
// stores it as the owner of a locked mutex.
int SelfTid();
void ForgetSelfTid();

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_LOCK_ENTRY_H_
