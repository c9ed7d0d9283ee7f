// The end of a lock's life: pthread_*_destroy, or free() of its memory
// (std::mutex never calls destroy). A lock held then is reported as
// "held lock freed". The entry is kept, dead, with the stack of the destroy
// or free (as kfree() keeps it for kernel-style locks; here in the entry
// itself, so a destroy takes no shared lock), and a later acquire of the
// lock is reported as "use of uninitialized or destroyed lock" with it; a
// new lock made at the same address (an init, a new heap block) is a new
// lock, never heir to the old one's class.
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_FORGET_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_FORGET_H_

#include <cstddef>
#include <cstdint>

#include "instrument/preload/lock_table.h"

namespace lockdep::preload {

// True when glibc's state of the lock at `addr` says someone holds it.
bool LockedNow(LockType type, uintptr_t addr);

// True when a pthread_spinlock_t holding `value` is held, by glibc's own
// definition, which differs by architecture. x86-64 and i386
// (sysdeps/x86_64/nptl/pthread_spin_lock.S, pthread_spin_init.c from
// sysdeps/i386/nptl): init stores 1, lock is `lock decl` until the result is
// 0, waiters spin while the word is <= 0, unlock stores 1. So 1 is free and 0
// (or below, while others spin) held: a zeroed spinlock is a *held* one.
// Everywhere else (nptl/pthread_spin_lock.c): 0 free, 1 held.
inline bool SpinHeld(int value) {
#if defined(__x86_64__) || defined(__i386__)
  return value <= 0;
#else
  return value != 0;
#endif
}

// Every lock in a heap block being freed from `ra` (the program's call
// site). Caller is inside a Busy scope.
void ForgetLocksIn(uintptr_t start, size_t size, uintptr_t ra);

// The bookkeeping of pthread_{mutex,rwlock,spin}_init, after glibc's init
// succeeded, for the lock at `addr` set up from `ra`: re-initialising a lock
// this thread holds frees it from under its holder (reported), and the lock
// gets the class of its init site. Call only when !PassThrough().
void LockInitialised(uintptr_t addr, LockType type, uintptr_t ra);

// The bookkeeping of pthread_*_destroy from `ra`, before glibc's: a held
// lock is reported, and its entry kept dead. Call only when !PassThrough().
void LockDestroyed(uintptr_t addr, uintptr_t ra);

// For EntryFor: `e`, found dead at `addr` by a use as `type`, is either a
// new lock made there since (revived and classed, its entry returned) or
// the dead lock used again (`e` returned as it is, still dead). Caller is
// inside a Busy scope.
LockEntry* EntryForDead(LockEntry& e, uintptr_t addr, LockType type);

// Reports the use from `ra` of the dead lock of `e` ("use of uninitialized
// or destroyed lock"), with the stack of its destroy or free. Once per lock.
void ReportUseOfDead(const LockEntry& e, uintptr_t ra);

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_FORGET_H_
