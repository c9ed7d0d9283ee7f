// Wound/wait mutexes, the API: the lockdep hooks (the context is a lock and
// the nest_lock of its ww_mutexes), Linux's DEBUG_WW_MUTEXES checks reported
// as "ww_mutex misuse", and ww_inject. The algorithm is ww_mutex_raw.cc.
#include "instrument/kernel/ww_mutex.h"

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "instrument/kernel/annotations.h"
#include "instrument/kernel/ww_mutex_raw.h"
#include "runtime/lockdep.h"
#include "runtime/report.h"

namespace lockdep::kernel_internal {

void WwMisuse(const char* detail, const lockdep_map* map, unsigned long ip) {
  lockdep_report_misuse(ReportKind::kWwMutexMisuse, "ww_mutex misuse", detail,
                        map, ip);
}

}  // namespace lockdep::kernel_internal

namespace {

using lockdep::kernel_internal::Acquire;
using lockdep::kernel_internal::WwMisuse;
using lockdep::kernel_internal::WwRawIsLocked;
using lockdep::kernel_internal::kWwBase;
using lockdep::kernel_internal::WwRawLock;
using lockdep::kernel_internal::WwRawOwnedByMe;
using lockdep::kernel_internal::WwRawTryLock;
using lockdep::kernel_internal::WwRawUnlock;

constexpr uint32_t kCtxLive = 0x77ac71fe;
constexpr uint32_t kCtxFinished = 0x77acf1d0;

[[maybe_unused]] constinit DEFINE_WW_CLASS(constant_init_check);

// The thread's count of ww_inject-eligible locks (see ww_mutex.h).
thread_local unsigned t_inject_count = 0;

// Linux's DEBUG_WW_MUTEXES checks of a lock request with a context.
void CheckRequest(ww_mutex* lock, const ww_acquire_ctx* ctx, unsigned long ip) {
  const lockdep_map* map = &lock->base.dep_map;
  if (ctx->ww_class != lock->ww_class) {
    WwMisuse("ww_acquire_ctx used with a ww_mutex of another ww_class", map,
             ip);
  }
  if (ctx->state == kCtxFinished) {
    WwMisuse("ww_mutex_lock with a context after ww_acquire_fini()", map, ip);
  } else if (ctx->done_acquire) {
    WwMisuse("ww_mutex_lock after ww_acquire_done()", map, ip);
  }
  if (ctx->contending_lock != nullptr) {
    if (ctx->contending_lock != lock) {
      WwMisuse("after -EDEADLK, a ww_mutex other than the contended one was "
               "locked (unlock all, then ww_mutex_lock_slow() the contended "
               "one)",
               map, ip);
    } else if (ctx->acquired > 0) {
      WwMisuse("after -EDEADLK, the contended ww_mutex was locked without "
               "first unlocking every ww_mutex of the context",
               map, ip);
    }
  }
}

void Unlock(ww_mutex* lock, unsigned long ip) {
  if (!WwRawIsLocked(lock)) {
    WwMisuse("ww_mutex_unlock of a ww_mutex that is not locked",
             &lock->base.dep_map, ip);
    return;
  }
  if (!WwRawOwnedByMe(lock)) {
    // Another thread holds it (a second unlock after it took the lock, or an
    // unlock from the wrong thread): the validator reports the release, and
    // the lock stays its holder's.
    lock_release(&lock->base.dep_map, ip);
    return;
  }
  // Only the owner gets here, so the owner context is stable.
  if (ww_acquire_ctx* ctx = lock->ctx.load(std::memory_order_relaxed)) {
    if (ctx->acquired == 0) {
      WwMisuse("ww_mutex_unlock, but its context holds no ww_mutex "
               "(unbalanced lock/unlock)",
               &lock->base.dep_map, ip);
    } else {
      ctx->acquired--;
    }
  }
  lock_release(&lock->base.dep_map, ip);
  WwRawUnlock(lock);
}

// ww_inject (ww_mutex.h): undoes a successful lock and reports -EDEADLK.
int MaybeInject(ww_mutex* lock, ww_acquire_ctx* ctx, unsigned long ip) {
  if (ctx->inject_interval == 0 || ctx->acquired < 2 || ctx->injected) {
    return 0;
  }
  if (++t_inject_count < ctx->inject_interval) return 0;
  t_inject_count = 0;
  ctx->injected = 1;
  Unlock(lock, ip);
  ctx->contending_lock = lock;
  return -EDEADLK;
}

int Lock(ww_mutex* lock, ww_acquire_ctx* ctx, unsigned long ip) {
  lockdep_might_sleep(__FILE__, __LINE__, ip);
  if (ctx == nullptr) {
    Acquire(&lock->base.dep_map, 0, 0, kLockdepWrite, nullptr, ip);
    return WwRawLock(lock, nullptr, ip);
  }
  // Only this context's thread can have made it the owner: no race.
  if (lock->ctx.load(std::memory_order_relaxed) == ctx) return -EALREADY;
  CheckRequest(lock, ctx, ip);
  // Wounds are for the transaction in progress; a context holding nothing
  // starts afresh (no one can wound it meanwhile: it owns no lock).
  if (ctx->acquired == 0) ctx->wounded.store(0, std::memory_order_relaxed);
  // Validated before blocking; the context is the nest_lock.
  Acquire(&lock->base.dep_map, 0, 0, kLockdepWrite, &ctx->dep_map, ip);
  if (int ret = WwRawLock(lock, ctx, ip)) {
    lock_release(&lock->base.dep_map, ip);
    return ret;
  }
  return MaybeInject(lock, ctx, ip);
}

int LockSlow(ww_mutex* lock, ww_acquire_ctx* ctx, unsigned long ip) {
  if (ctx != nullptr && ctx->contending_lock == nullptr) {
    WwMisuse("ww_mutex_lock_slow without a preceding -EDEADLK",
             &lock->base.dep_map, ip);
  }
  return Lock(lock, ctx, ip);
}

}  // namespace

namespace lockdep::kernel_internal {

void WwUnlock(ww_mutex* lock, unsigned long ip) { Unlock(lock, ip); }

}  // namespace lockdep::kernel_internal

void ww_mutex_init(struct ww_mutex* lock, struct ww_class* ww_class) {
  debug_check_no_locks_freed(lock, sizeof(*lock));
  lock->base.state.store(kWwBase, std::memory_order_relaxed);
  lock->base.owner.store(0, std::memory_order_relaxed);
  lock->ctx.store(nullptr, std::memory_order_relaxed);
  lock->ww_class = ww_class;
  lock->wait_lock.store(0, std::memory_order_relaxed);
  lock->first_waiter = lock->last_waiter = nullptr;
  lock->base.dep_map.novalidate = 0;
  lockdep_init_map(&lock->base.dep_map, ww_class->mutex_name,
                   &ww_class->mutex_key, 0);
}

void ww_mutex_destroy(struct ww_mutex* lock) {
  // Reports "held lock freed" when it is still locked.
  mutex_destroy(&lock->base);
}

bool ww_mutex_is_locked(struct ww_mutex* lock) { return WwRawIsLocked(lock); }

// Out of line and never inlined, so LOCKDEP_RET_IP is in the caller's code.
__attribute__((noinline)) void ww_acquire_init(struct ww_acquire_ctx* ctx,
                                               struct ww_class* ww_class) {
  const unsigned long ip = LOCKDEP_RET_IP;
  debug_check_no_locks_freed(ctx, sizeof(*ctx));
  ctx->stamp = ww_class->stamp.fetch_add(1, std::memory_order_relaxed) + 1;
  ctx->acquired = 0;
  ctx->wounded.store(0, std::memory_order_relaxed);
  ctx->is_wait_die = ww_class->is_wait_die;
  ctx->done_acquire = 0;
  ctx->ww_class = ww_class;
  ctx->contending_lock = nullptr;
  ctx->state = kCtxLive;
  const int inject = lockdep_ww_inject_interval();
  ctx->inject_interval = inject > 0 ? static_cast<unsigned>(inject) : 0;
  ctx->injected = 0;
  lockdep_init_map(&ctx->dep_map, ww_class->acquire_name,
                   &ww_class->acquire_key, 0);
  lockdep_init_map(&ctx->first_lock_dep_map, ww_class->mutex_name,
                   &ww_class->mutex_key, 0);
  Acquire(&ctx->dep_map, 0, 0, kLockdepWrite, nullptr, ip);
  // Linux's first_lock_dep_map: a placeholder of the mutex class under the
  // context, so the held entry that the context's ww_mutexes merge into
  // lives as long as the context (and "acquire -> mutex" is recorded now).
  Acquire(&ctx->first_lock_dep_map, 0, 0, kLockdepWrite, &ctx->dep_map, ip);
}

__attribute__((noinline)) void ww_acquire_done(struct ww_acquire_ctx* ctx) {
  const unsigned long ip = LOCKDEP_RET_IP;
  lockdep_assert_held_hook(&ctx->dep_map, -1, "ctx", ip);
  if (ctx->done_acquire) {
    WwMisuse("ww_acquire_done called twice", &ctx->dep_map, ip);
  }
  ctx->done_acquire = 1;
}

__attribute__((noinline)) void ww_acquire_fini(struct ww_acquire_ctx* ctx) {
  const unsigned long ip = LOCKDEP_RET_IP;
  if (ctx->state != kCtxLive) {
    // Not released again: one report, not a second "bad unlock balance".
    WwMisuse(ctx->state == kCtxFinished
                 ? "ww_acquire_fini called twice"
                 : "ww_acquire_fini of a context never initialised",
             &ctx->dep_map, ip);
    return;
  }
  if (ctx->acquired > 0) {
    WwMisuse("ww_acquire_fini with ww_mutexes still held", &ctx->dep_map, ip);
  }
  lock_release(&ctx->first_lock_dep_map, ip);
  lock_release(&ctx->dep_map, ip);
  ctx->state = kCtxFinished;
}

__attribute__((noinline)) int ww_mutex_lock(struct ww_mutex* lock,
                                            struct ww_acquire_ctx* ctx) {
  return Lock(lock, ctx, LOCKDEP_RET_IP);
}

__attribute__((noinline)) int ww_mutex_lock_interruptible(
    struct ww_mutex* lock, struct ww_acquire_ctx* ctx) {
  return Lock(lock, ctx, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void ww_mutex_lock_slow(struct ww_mutex* lock,
                                                  struct ww_acquire_ctx* ctx) {
  (void)LockSlow(lock, ctx, LOCKDEP_RET_IP);
}

__attribute__((noinline)) int ww_mutex_lock_slow_interruptible(
    struct ww_mutex* lock, struct ww_acquire_ctx* ctx) {
  return LockSlow(lock, ctx, LOCKDEP_RET_IP);
}

__attribute__((noinline)) int ww_mutex_trylock(struct ww_mutex* lock,
                                               struct ww_acquire_ctx* ctx) {
  const unsigned long ip = LOCKDEP_RET_IP;
  if (ctx == nullptr) {
    if (!WwRawTryLock(lock, nullptr, ip)) return 0;
    Acquire(&lock->base.dep_map, 0, 1, kLockdepWrite, nullptr, ip);
    return 1;
  }
  CheckRequest(lock, ctx, ip);
  if (ctx->acquired == 0) ctx->wounded.store(0, std::memory_order_relaxed);
  if (!WwRawTryLock(lock, ctx, ip)) return 0;
  Acquire(&lock->base.dep_map, 0, 1, kLockdepWrite, &ctx->dep_map, ip);
  return 1;
}

__attribute__((noinline)) void ww_mutex_unlock(struct ww_mutex* lock) {
  Unlock(lock, LOCKDEP_RET_IP);
}
