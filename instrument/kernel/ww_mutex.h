// Wound/wait reservation mutexes (struct ww_mutex): the kernel's way to lock
// many objects of one class at once, in any order, without deadlock.
//
// Every acquire context (struct ww_acquire_ctx) draws a stamp from its class in
// ww_acquire_init() order: a smaller stamp is an older, more important
// transaction. When two contexts contend, the class's algorithm picks the one
// that backs off, with -EDEADLK:
//   wait-die   (DEFINE_WD_CLASS): a younger context asking for a lock held by
//              an older one dies at once; an older one waits for a younger.
//   wound-wait (DEFINE_WW_CLASS): an older context asking for a lock held by a
//              younger one wounds it (the younger gets -EDEADLK when it next
//              has to wait, or at once if it is waiting); a younger one waits.
// A context that holds no ww_mutex never backs off (it cannot be part of a
// deadlock), and a backed-off context keeps its stamp, so it eventually is the
// oldest and wins: no livelock, no starvation. Back-off means: unlock every
// ww_mutex of the context, ww_mutex_lock_slow() the contended one, retry.
//
// Waiters queue per lock in stamp order (waiters without a context FIFO among
// them). As Linux's mutex, an unlock releases the lock and wakes the first
// waiter, which competes for it with threads that arrive meanwhile (no convoy
// of sleeping owners); a first waiter that was woken and lost asks for a
// hand-over, and the next unlock gives the lock straight to it, so no waiter
// starves. Each waiter sleeps on a futex word of its own (its context's, so
// that a wound can wake it wherever it waits). Uncontended lock and unlock
// are one CAS each, plus a fenced store of the owner context and the lockdep
// hook; a contended lock spins briefly before it queues, and queueing,
// wake-ups, hand-overs and wounds take a small per-lock spinlock. The
// algorithm is ww_mutex_raw.cc, the validation ww_mutex.cc.
//
// Owners: only the thread that holds a ww_mutex can release it. An unlock
// from another thread (or a second unlock after another thread took the lock)
// is reported ("bad unlock balance detected") and leaves the lock alone.
//
// Validation, as Linux: the context is a lock of class "<class>_acquire",
// taken by ww_acquire_init() and released by ww_acquire_fini(), so holding two
// contexts of one class is "possible recursive locking". Every ww_mutex of a
// class is one lockdep class "<class>_mutex", acquired with the context as its
// nest_lock: any number of them under one context is one held-lock entry,
// never recursion (the context also holds a placeholder entry of that class
// from init to fini, as Linux's first_lock_dep_map, so the entry never names a
// lock that is already unlocked and maybe freed; as in Linux, that entry
// makes lockdep_assert_held() pass for any ww_mutex of the class while the
// context holds one, and a NULL-context lock of the class under a live
// context recursive locking). With a NULL context a ww_mutex is a plain
// mutex: two of one class are recursive locking. Misuse of
// the wound/wait rules (Linux's DEBUG_WW_MUTEXES checks) is reported as
// "ww_mutex misuse" and the call goes on.
//
// LOCKDEP_OPTIONS=ww_inject=N (runtime/lockdep.h) exercises back-off code like
// Linux's CONFIG_DEBUG_WW_MUTEX_SLOWPATH: every Nth ww_mutex_lock on a thread
// that leaves a context holding two or more ww_mutexes (contended or not) is
// undone and returns -EDEADLK instead, at most once per ww_acquire_init(), so
// every transaction still completes.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_WW_MUTEX_H_
#define LOCKDEP_INSTRUMENT_KERNEL_WW_MUTEX_H_

#include <atomic>
#include <cstdint>

#include "instrument/kernel/mutex.h"
#include "runtime/lockdep.h"
#include "runtime/lockdep_map.h"

// A class of ww_mutexes and their acquire contexts. Define it with
// DEFINE_WW_CLASS or DEFINE_WD_CLASS (static storage: its keys are the lockdep
// classes). Constant-initialised; never copy it.
struct ww_class {
  std::atomic<unsigned long> stamp{0};  // last stamp handed out
  lock_class_key acquire_key;           // class of the contexts
  lock_class_key mutex_key;             // class of the ww_mutexes
  const char* acquire_name = nullptr;   // "<class>_acquire"
  const char* mutex_name = nullptr;     // "<class>_mutex"
  unsigned int is_wait_die = 0;
};

#define __WW_CLASS_INITIALIZER(classname, wait_die) \
  {                                                 \
    .stamp = 0, .acquire_key = {}, .mutex_key = {}, \
    .acquire_name = #classname "_acquire",          \
    .mutex_name = #classname "_mutex",              \
    .is_wait_die = (wait_die),                      \
  }
// Wound-wait class (the default algorithm of Linux's DEFINE_WW_CLASS).
#define DEFINE_WW_CLASS(classname) \
  struct ww_class classname = __WW_CLASS_INITIALIZER(classname, 0)
// Wait-die class.
#define DEFINE_WD_CLASS(classname) \
  struct ww_class classname = __WW_CLASS_INITIALIZER(classname, 1)

namespace lockdep::kernel_internal {
struct WwWaiter;  // a thread sleeping on a ww_mutex (ww_mutex.cc)
}  // namespace lockdep::kernel_internal

// One transaction: lives from ww_acquire_init() to ww_acquire_fini(), on one
// thread (put it on that thread's stack). The fields are the kernel's; read
// them in tests, never write them in real code.
struct ww_acquire_ctx {
  unsigned long stamp = 0;    // smaller is older
  unsigned int acquired = 0;  // ww_mutexes this context holds
  // Set (by another thread) when an older context wounds this one.
  std::atomic<uint32_t> wounded{0};
  unsigned int is_wait_die = 0;
  unsigned int done_acquire = 0;  // ww_acquire_done() was called
  struct ww_class* ww_class = nullptr;
  // The lock that returned -EDEADLK, until the context takes a lock again.
  struct ww_mutex* contending_lock = nullptr;
  // The futex word the owning thread sleeps on while waiting for a ww_mutex;
  // wakers bump it (so a wake-up between a check and the sleep is not lost).
  std::atomic<uint32_t> wake{0};
  uint32_t state = 0;         // live / finished (catches a second fini)
  unsigned int inject_interval = 0;  // ww_inject=N, read at init (0: off)
  unsigned int injected = 0;  // ww_inject already made this context back off
  lockdep_map dep_map;             // the context as a lock: "<class>_acquire"
  lockdep_map first_lock_dep_map;  // placeholder "<class>_mutex" entry
};

// Usable as a global, member, array element or heap object; initialise with
// ww_mutex_init() before use (there is no static initialiser, as in Linux).
// Not copyable. `base` is its mutex: &ww->base works with
// lockdep_assert_held() and mutex_is_locked(), and, as in Linux, it may be
// locked with mutex_lock()/mutex_trylock()/mutex_unlock(): that is a lock
// without a context (as ww_mutex_lock(ww, NULL)), queued with the ww waiters.
struct ww_mutex {
  // base.state: bit 31 always (a ww_mutex), bit 0 locked, bit 1 waiters
  // queued, bit 2 the next unlock hands the lock to the first waiter.
  // base.owner: the holding thread.
  struct mutex base;
  // The context holding the lock, nullptr when free or held without one.
  std::atomic<struct ww_acquire_ctx*> ctx{nullptr};
  struct ww_class* ww_class = nullptr;
  // Guards the waiter queue and every hand-over (contended paths only).
  std::atomic<uint32_t> wait_lock{0};
  lockdep::kernel_internal::WwWaiter* first_waiter = nullptr;
  lockdep::kernel_internal::WwWaiter* last_waiter = nullptr;
};

inline lockdep_map* lockdep_map_of(struct ww_mutex* lock) {
  return &lock->base.dep_map;
}
inline const lockdep_map* lockdep_map_of(const struct ww_mutex* lock) {
  return &lock->base.dep_map;
}
// The context as a lock: lockdep_assert_held(ctx), mutex_lock_nest_lock(m, ctx).
inline lockdep_map* lockdep_map_of(struct ww_acquire_ctx* ctx) {
  return &ctx->dep_map;
}
inline const lockdep_map* lockdep_map_of(const struct ww_acquire_ctx* ctx) {
  return &ctx->dep_map;
}

// Initialises *lock unlocked, in class `ww_class`. Re-initialising a held lock
// reports "held lock freed".
void ww_mutex_init(struct ww_mutex* lock, struct ww_class* ww_class);
// Marks the lock dead, as mutex_destroy(); it must not be locked.
void ww_mutex_destroy(struct ww_mutex* lock);
// True when some thread holds the lock. A snapshot: it may change at once.
bool ww_mutex_is_locked(struct ww_mutex* lock);

// Starts a transaction on this thread: takes the next stamp of `ww_class` and
// acquires the context (lockdep). Cost: one atomic increment plus two hooks.
void ww_acquire_init(struct ww_acquire_ctx* ctx, struct ww_class* ww_class);
// Ends the acquire phase: taking another lock with `ctx` is then misuse.
// Optional; it documents where the transaction starts using what it locked.
void ww_acquire_done(struct ww_acquire_ctx* ctx);
// Ends the transaction; every ww_mutex of it must be unlocked already.
void ww_acquire_fini(struct ww_acquire_ctx* ctx);

// Takes the lock for `ctx` (or as a plain mutex when ctx is NULL), sleeping
// while it is held. Returns 0 when taken; -EALREADY when ctx already holds it;
// -EDEADLK when ctx must back off (it holds other locks and the algorithm, or
// ww_inject, chose it): then unlock every lock of ctx, ww_mutex_lock_slow()
// this one and retry. The lockdep hook runs before sleeping. Uncontended cost:
// one compare-and-swap, a few stores and the hook.
int ww_mutex_lock(struct ww_mutex* lock, struct ww_acquire_ctx* ctx);
// User space has no signals to interrupt the wait: exactly ww_mutex_lock().
int ww_mutex_lock_interruptible(struct ww_mutex* lock,
                                struct ww_acquire_ctx* ctx);
// After -EDEADLK, with every other lock of ctx released: sleeps until the
// contended lock is taken (a context holding nothing never backs off).
void ww_mutex_lock_slow(struct ww_mutex* lock, struct ww_acquire_ctx* ctx);
int ww_mutex_lock_slow_interruptible(struct ww_mutex* lock,
                                     struct ww_acquire_ctx* ctx);
// Takes the lock only if it is free and nobody waits for it: 1 on success, 0
// (without waiting) otherwise, also when ctx already holds it.
int ww_mutex_trylock(struct ww_mutex* lock, struct ww_acquire_ctx* ctx);
// Releases the lock and wakes the first waiter if any (one wake-up); hands
// the lock straight to it when it was woken before and lost the lock.
// Only the holding thread may unlock: another thread's unlock is reported
// and changes nothing.
void ww_mutex_unlock(struct ww_mutex* lock);

#endif  // LOCKDEP_INSTRUMENT_KERNEL_WW_MUTEX_H_
