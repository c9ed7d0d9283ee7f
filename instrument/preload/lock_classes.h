// How a pthread lock gets its class, the rules of the README's "Unmodified
// programs" section:
//   - set up by *_init: the init call site, a hash of kInitFrames frames of
//     the calling stack (so a wrapper's callers are told apart);
//   - no init, static storage: the lock's own address, as Linux classes
//     static locks;
//   - no init, inside a heap block: the block's allocation site plus the
//     lock's offset in it (the `mu` member of every Account is one class);
//   - anything else (a thread's stack, mmap'd memory): its address.
// Each class is a lock_class_key from a static pool (static storage, so the
// validator needs no registration) with a readable name.
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_LOCK_CLASSES_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_LOCK_CLASSES_H_

#include <cstdint>

#include "instrument/preload/lock_table.h"

namespace lockdep::preload {

inline constexpr int kInitFrames = 4;
// As the validator's class limit (MAX_LOCKDEP_KEYS).
inline constexpr int kMaxPreloadClasses = 8192;

// The entry for a lock set up by *_init, called from `ra`, at `addr`.
// Captures the stack (a few microseconds). nullptr when a table is full.
// Caller is inside a Busy scope.
LockEntry* ClassifyInit(uintptr_t addr, LockType type, uintptr_t ra);

// The entry for a lock first seen at an acquire, with no init call. Slow
// path: a walk of the loaded objects and up to 256 block-table probes.
// Caller is inside a Busy scope.
LockEntry* ClassifyFirstUse(uintptr_t addr, LockType type);

// The event class of a condition variable or semaphore (`type`: "cond",
// "sem") first used at `addr`, by the rules above for locks with no init
// call; `*name` is its name (lives forever). nullptr when the pool is full.
// Caller is inside a Busy scope.
lock_class_key* ClassifyEvent(uintptr_t addr, const char* type, const char** name);
// The event class of the exit of threads created at `create_site`
// ("thread created at main (prog.c:12)"). Caller is inside a Busy scope.
lock_class_key* ClassifyThread(uintptr_t create_site, const char** name);

// The call site an `at:` line should name for a lock call returning to
// `ra`: `ra` itself, or, when its code is a wrapper (libstdc++'s
// __gthread_mutex_lock or std::mutex::lock emitted out of line, as at -O0;
// C11's mtx_lock in libc), the first caller that is the program's own.
// Cost: a lock-free lookup; the first time an address is seen, a
// symbolisation; for a wrapper, a short unwind each call.
uintptr_t UserCallSite(uintptr_t ra);

// Up to `max` frames of the calling thread's stack from the program's call
// site `ra` on (the library's own frames left out; just `ra` when there is
// no room to unwind). Returns the count. Cost: one cached unwind.
int StackFrom(uintptr_t ra, uintptr_t* pcs, int max);

// Fork: the class table's lock is held across fork() (see lifecycle.cc).
void LockClassesForkPrepare();
void LockClassesForkDone();

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_LOCK_CLASSES_H_
