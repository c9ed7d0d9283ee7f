// The wound/wait algorithm under struct ww_mutex, without validation: the
// lock word, the per-lock waiter queue, hand-over, and the wound / die
// decisions of Linux's kernel/locking/ww_mutex.h. ww_mutex.cc wraps it with
// the lockdep hooks and the misuse checks. Internal to instrument/kernel:
// include it from .cc files only.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_WW_MUTEX_RAW_H_
#define LOCKDEP_INSTRUMENT_KERNEL_WW_MUTEX_RAW_H_

#include <cstdint>

#include "instrument/kernel/ww_mutex.h"
#include "runtime/lockdep_map.h"

namespace lockdep::kernel_internal {

// Always set in the lock word (base.state) of a ww_mutex, from
// ww_mutex_init() on: the mutex_* calls on &ww->base see it and take the
// ww_mutex path, so both kinds of locker share one algorithm and one queue.
inline constexpr uint32_t kWwBase = 1u << 31;

// The ww_mutex whose `base` is `lock` (base is its first member).
inline struct ww_mutex* WwOfBase(struct mutex* lock) {
  return reinterpret_cast<struct ww_mutex*>(lock);
}

// Reports a "ww_mutex misuse" (defined in ww_mutex.cc).
void WwMisuse(const char* detail, const lockdep_map* map, unsigned long ip);

// Takes `lock` for `ctx` (nullptr: as a plain mutex): at once when free,
// else after a short spin, else queued (stamp order) and asleep until an
// unlock frees it for this thread to take, or hands it over. Returns 0 when taken (then ctx, if any, is its owner,
// ctx->acquired counts it and ctx->contending_lock is cleared), or -EDEADLK
// when ctx holds other locks and must back off (ctx->contending_lock = lock).
// `ip` is for the misuse report of a lock still naming an owner context.
int WwRawLock(struct ww_mutex* lock, struct ww_acquire_ctx* ctx,
              unsigned long ip);
// Takes `lock` only if it is free and nobody waits: true when taken (with
// the bookkeeping of WwRawLock).
bool WwRawTryLock(struct ww_mutex* lock, struct ww_acquire_ctx* ctx,
                  unsigned long ip);
// Releases `lock` (the caller has already uncounted it from its context)
// and wakes the first waiter, if any; hands the lock straight to it when it
// has asked (it was woken before and lost the lock to another thread).
// Cost: one CAS; with waiters, the wait_lock and one wake-up.
void WwRawUnlock(struct ww_mutex* lock);
bool WwRawIsLocked(const struct ww_mutex* lock);
// True when the calling thread holds `lock`.
bool WwRawOwnedByMe(const struct ww_mutex* lock);
// The threads queued on `lock` (for tests). Takes the wait_lock.
int WwRawWaiterCount(struct ww_mutex* lock);

// ww_mutex_unlock() with its misuse checks (ww_mutex.cc), for mutex_unlock()
// on the base of a ww_mutex.
void WwUnlock(struct ww_mutex* lock, unsigned long ip);

// mutex_*() called on the base of a ww_mutex (mutex.cc). A plain mutex's
// word never has kWwBase, so its fast path fails on a ww_mutex's word and
// it hands over here; this is all mutex.cc knows of wound/wait.
inline bool IsWwBase(uint32_t state) { return (state & kWwBase) != 0; }
inline bool WwBaseTryLock(struct mutex* base, unsigned long ip) {
  return WwRawTryLock(WwOfBase(base), nullptr, ip);
}
inline void WwBaseLock(struct mutex* base, unsigned long ip) {
  WwRawLock(WwOfBase(base), nullptr, ip);
}
inline void WwBaseUnlock(struct mutex* base, unsigned long ip) {
  WwUnlock(WwOfBase(base), ip);
}
inline bool WwBaseIsLocked(struct mutex* base) { return WwRawIsLocked(WwOfBase(base)); }

}  // namespace lockdep::kernel_internal

#endif  // LOCKDEP_INSTRUMENT_KERNEL_WW_MUTEX_RAW_H_
