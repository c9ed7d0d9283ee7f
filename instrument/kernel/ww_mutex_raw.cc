// The wound/wait algorithm of struct ww_mutex: Linux's kernel/locking/
// ww_mutex.h decisions over a futex lock word, with Linux's mutex wake-up
// policy. Validation lives in ww_mutex.cc; see ww_mutex.h for the semantics.
//
// The lock word is base.state: kWwBase (always set: it tells the mutex_*
// calls on &ww->base to come here), kLocked, kWaiters (the queue is not
// empty) and kHandoff (the first waiter is starving). Uncontended lock is
// CAS free -> kLocked, uncontended unlock CAS kLocked -> free. A thread that
// has to wait takes the lock's wait_lock, sets kWaiters (so the owner's
// unlock fails its CAS and comes to the wait_lock), queues itself and sleeps.
//
// Wake-up policy, as Linux's mutex: an unlock normally *releases* the lock
// and wakes the first waiter, which then competes for it with whoever comes
// along (a running thread that takes a just-released lock saves a sleep and
// a wake-up: no convoy). A first waiter that was woken and still finds the
// lock taken sets kHandoff; the next unlock then hands the lock straight to
// the first waiter (it stays kLocked, ownership moves), so no waiter starves.
// Wound/die decisions do not depend on who wins: whoever takes a lock while
// others wait runs the checks for them (CheckWaiters).
//
// Memory ordering. Everything about waiters happens under wait_lock, whose
// acquire/release carries the happens-before between owners that meet
// there; the lock word's CAS carries it on the fast paths. As in Linux, a
// fast-path locker stores the owner context after its CAS; a waiter that
// reads the context in that window sees none. Both sides use seq_cst (waiter:
// set kWaiters, read ctx; locker: write ctx, read kWaiters), so at least one
// of them sees the other, and the locker then runs the wound/die checks for
// the waiters itself. A context a waiter read stays valid while it holds
// wait_lock: its owner cannot finish unlocking (kWaiters makes the unlock CAS
// fail and wait for wait_lock).
#include "instrument/kernel/ww_mutex_raw.h"

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "instrument/futex.h"
#include "instrument/kernel/spin_backoff.h"
#include "instrument/owner.h"
#include "instrument/kernel/ww_mutex.h"

namespace lockdep::kernel_internal {

using internal::FutexWait;
using internal::FutexWake;
using internal::kNoOwner;
using internal::ThisOwnerId;

// A thread waiting for a ww_mutex: on its stack, linked into the lock's queue
// under wait_lock. Context waiters are in stamp order, oldest first; waiters
// without a context keep their FIFO place among them.
struct WwWaiter {
  WwWaiter* prev = nullptr;
  WwWaiter* next = nullptr;
  ww_acquire_ctx* ctx = nullptr;
  // What this thread sleeps on: ctx->wake, or own_word without a context.
  std::atomic<uint32_t>* word = nullptr;
  std::atomic<uint32_t> own_word{0};
  // The waiting thread's owner id, for an unlocker that hands the lock over.
  uint32_t owner_id = 0;
  // Set by the unlocker (under wait_lock) that handed the lock to us.
  bool handed_off = false;
};

namespace {

constexpr uint32_t kLocked = 1;
constexpr uint32_t kWaiters = 2;  // the queue is not empty
constexpr uint32_t kHandoff = 4;  // the next unlock hands over; only while kLocked
constexpr uint32_t kFree = kWwBase;

// A waiter's futex word counts wake-ups in steps of 2; bit 0 says its thread
// sleeps in the kernel, so a waker only makes the wake syscall when needed.
constexpr uint32_t kSleeping = 1;
constexpr uint32_t kWakeStep = 2;

// Bounded spinning, as a stand-in for Linux's optimistic spinning: critical
// sections are short, and a futex sleep and wake-up cost microseconds. Spinning
// changes no decision (every check is redone under wait_lock afterwards), so it
// cannot deadlock: the bound only delays going to sleep.
constexpr int kLockSpins = 100;  // before queueing, while nobody waits
constexpr int kWakeSpins = 200;  // queued, before sleeping

constexpr auto kSeqCst = std::memory_order_seq_cst;

// True when `a` is a younger transaction than `b` (stamps wrap, as Linux).
bool Younger(const ww_acquire_ctx* a, const ww_acquire_ctx* b) {
  return static_cast<long>(a->stamp - b->stamp) > 0;
}

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#endif
}

void WaitLock(ww_mutex* lock) {
  SpinBackoff backoff;
  while (lock->wait_lock.exchange(1, std::memory_order_acquire) != 0) {
    do {
      backoff.Pause();
    } while (lock->wait_lock.load(std::memory_order_relaxed) != 0);
  }
}

void WaitUnlock(ww_mutex* lock) {
  lock->wait_lock.store(0, std::memory_order_release);
}

// Wakes the thread waiting on `word`. Bumping the word first means a thread
// that read it before deciding to sleep does not sleep (no lost wake-up).
void Wake(std::atomic<uint32_t>* word) {
  if (word->fetch_add(kWakeStep, std::memory_order_release) & kSleeping) {
    FutexWake(word, 1);
  }
}

// Returns once `word` differs from `seq` (read before the caller's checks),
// or spuriously: spins a little, then sleeps with kSleeping set.
void AwaitWake(std::atomic<uint32_t>* word, uint32_t seq) {
  for (int i = 0; i < kWakeSpins; ++i) {
    if (word->load(std::memory_order_relaxed) != seq) return;
    CpuRelax();
  }
  if (!word->compare_exchange_strong(seq, seq | kSleeping,
                                     std::memory_order_relaxed)) {
    return;  // woken meanwhile
  }
  FutexWait(word, seq | kSleeping);
  word->fetch_and(~kSleeping, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------
// The waiter queue (wait_lock held).

void Unlink(ww_mutex* lock, WwWaiter* w) {
  (w->prev ? w->prev->next : lock->first_waiter) = w->next;
  (w->next ? w->next->prev : lock->last_waiter) = w->prev;
  w->prev = w->next = nullptr;
}

// Puts `w` before `pos`, or last when `pos` is nullptr.
void InsertBefore(ww_mutex* lock, WwWaiter* w, WwWaiter* pos) {
  w->next = pos;
  w->prev = pos ? pos->prev : lock->last_waiter;
  (w->prev ? w->prev->next : lock->first_waiter) = w;
  (pos ? pos->prev : lock->last_waiter) = w;
}

// A waiter gives up: out of the queue, and kWaiters off when it was the last.
void RemoveWaiter(ww_mutex* lock, WwWaiter* w) {
  Unlink(lock, w);
  if (lock->first_waiter == nullptr) {
    lock->base.state.fetch_and(~kWaiters, kSeqCst);
  }
}

// ---------------------------------------------------------------------------
// The wound/wait decisions (wait_lock held), as Linux's ww_mutex.h.

// This context backs off: -EDEADLK when it holds something, else it may wait.
int Kill(ww_mutex* lock, ww_acquire_ctx* ctx) {
  if (ctx->acquired == 0) return 0;
  ctx->contending_lock = lock;
  return -EDEADLK;
}

// Wait-die: wakes waiter `w` if it must die because `ctx`, older, is ahead of
// it or holds the lock. Only a waiter holding locks can be part of a deadlock.
void Die(WwWaiter* w, const ww_acquire_ctx* ctx) {
  if (w->ctx->acquired > 0 && Younger(w->ctx, ctx)) Wake(w->word);
}

// Wound-wait: `ctx` (holding locks) waits for `hold`; if `hold` is younger it
// is wounded and woken, wherever it sleeps, to back off. `self` is the calling
// thread's context (which needs no wake-up). True when it wounded.
bool Wound(ww_acquire_ctx* hold, const ww_acquire_ctx* ctx,
           const ww_acquire_ctx* self) {
  if (ctx->acquired == 0 || !Younger(hold, ctx)) return false;
  hold->wounded.store(1, std::memory_order_relaxed);
  if (hold != self) Wake(&hold->wake);  // the release orders `wounded` too
  return true;
}

// `hold` has just got the lock while others wait: wait-die wakes the first
// context waiter if it now must die; wound-wait wounds `hold` if an older
// waiter holding locks is queued.
void CheckWaiters(ww_mutex* lock, ww_acquire_ctx* hold,
                  const ww_acquire_ctx* self) {
  for (WwWaiter* cur = lock->first_waiter; cur != nullptr; cur = cur->next) {
    if (cur->ctx == nullptr) continue;
    if (hold->is_wait_die) {
      Die(cur, hold);
      return;
    }
    if (Wound(hold, cur->ctx, self)) return;
  }
}

// Queues `w` in stamp order. Wait-die: dies at once (-EDEADLK) behind an older
// waiter, and wakes younger waiters it overtakes so they die. Wound-wait:
// wounds a younger holder.
int AddWaiter(ww_mutex* lock, WwWaiter* w, ww_acquire_ctx* ctx) {
  WwWaiter* pos = nullptr;
  for (WwWaiter* cur = lock->last_waiter; cur != nullptr; cur = cur->prev) {
    if (cur->ctx == nullptr) continue;
    if (Younger(ctx, cur->ctx)) {
      if (ctx->is_wait_die) {
        if (int ret = Kill(lock, ctx)) return ret;
      }
      break;
    }
    pos = cur;
    if (ctx->is_wait_die) Die(cur, ctx);
  }
  InsertBefore(lock, w, pos);
  if (!ctx->is_wait_die) {
    if (ww_acquire_ctx* hold = lock->ctx.load(kSeqCst)) Wound(hold, ctx, ctx);
  }
  return 0;
}

// Checked by a waiter each time it wakes: must it back off now?
int CheckKill(ww_mutex* lock, const WwWaiter* w, ww_acquire_ctx* ctx) {
  if (ctx->acquired == 0) return 0;
  if (!ctx->is_wait_die) {
    return ctx->wounded.load(std::memory_order_relaxed) ? Kill(lock, ctx) : 0;
  }
  ww_acquire_ctx* hold = lock->ctx.load(kSeqCst);
  if (hold != nullptr && Younger(ctx, hold)) return Kill(lock, ctx);
  // A context waiter ahead of us is older: it would get the lock first.
  for (const WwWaiter* cur = w->prev; cur != nullptr; cur = cur->prev) {
    if (cur->ctx != nullptr) return Kill(lock, ctx);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Taking and releasing.

// Takes the lock if it is free and nobody waits (the trylock rule).
bool FastTryLock(ww_mutex* lock) {
  uint32_t expected = kFree;
  return lock->base.state.compare_exchange_strong(expected, kFree | kLocked,
                                                  kSeqCst,
                                                  std::memory_order_relaxed);
}

// Takes the lock if it is free and not being handed over, also past queued
// waiters (they compete, as in Linux; a starving one sets kHandoff).
bool StealLock(ww_mutex* lock, uint32_t s) {
  while ((s & (kLocked | kHandoff)) == 0) {
    if (lock->base.state.compare_exchange_weak(s, s | kLocked, kSeqCst,
                                               std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

// Retries for a short while as long as nobody queues: spinning past sleeping
// waiters would only make them starve sooner.
bool SpinTryLock(ww_mutex* lock) {
  for (int i = 0; i < kLockSpins; ++i) {
    CpuRelax();
    const uint32_t s = lock->base.state.load(std::memory_order_relaxed);
    if (s & kWaiters) return false;
    if ((s & kLocked) == 0 && StealLock(lock, s)) return true;
  }
  return false;
}

// The lock was taken (not handed over) by this thread for `ctx` (nullptr:
// without one): record the owner.
void TakenBy(ww_mutex* lock, ww_acquire_ctx* ctx, unsigned long ip) {
  lock->base.owner.store(ThisOwnerId(), std::memory_order_relaxed);
  if (ctx == nullptr) return;
  if (lock->ctx.load(std::memory_order_relaxed) != nullptr) {
    WwMisuse("ww_mutex taken while it still names an owner context "
           "(was it unlocked with mutex_unlock()?)",
           &lock->base.dep_map, ip);
  }
  ctx->acquired++;
  ctx->contending_lock = nullptr;
  lock->ctx.store(ctx, kSeqCst);
}

// After a fast-path acquire: a waiter may have queued before it could see the
// new owner context; run its wound/die checks for it.
void TakenFast(ww_mutex* lock, ww_acquire_ctx* ctx, unsigned long ip) {
  TakenBy(lock, ctx, ip);
  if (ctx == nullptr) return;
  if ((lock->base.state.load(kSeqCst) & kWaiters) == 0) return;
  WaitLock(lock);
  CheckWaiters(lock, ctx, ctx);
  WaitUnlock(lock);
}

// Contended lock: take it if it is free, else queue and sleep until it is
// free (the first waiter is woken by each unlock) or handed over, or (with a
// context) until told to back off.
int LockSlowpath(ww_mutex* lock, ww_acquire_ctx* ctx, unsigned long ip) {
  WaitLock(lock);
  uint32_t s = lock->base.state.load(kSeqCst);
  for (;;) {
    if (StealLock(lock, s)) {
      TakenBy(lock, ctx, ip);
      if (ctx != nullptr && lock->first_waiter != nullptr) {
        CheckWaiters(lock, ctx, ctx);
      }
      WaitUnlock(lock);
      return 0;
    }
    s = lock->base.state.load(kSeqCst);
    if ((s & kLocked) == 0) continue;  // released meanwhile
    if ((s & kWaiters) != 0 ||
        lock->base.state.compare_exchange_weak(s, s | kWaiters, kSeqCst)) {
      break;
    }
  }

  WwWaiter w;
  w.ctx = ctx;
  w.word = ctx != nullptr ? &ctx->wake : &w.own_word;
  w.owner_id = ThisOwnerId();
  if (ctx == nullptr) {
    InsertBefore(lock, &w, nullptr);
  } else if (int ret = AddWaiter(lock, &w, ctx)) {
    if (lock->first_waiter == nullptr) {
      lock->base.state.fetch_and(~kWaiters, kSeqCst);
    }
    WaitUnlock(lock);
    return ret;
  }
  bool woken = false;
  for (;;) {
    // Read before the checks: a wake-up after this read makes AwaitWake
    // return at once.
    const uint32_t seq = w.word->load(std::memory_order_acquire);
    if (w.handed_off) break;
    if (StealLock(lock, lock->base.state.load(kSeqCst))) {
      RemoveWaiter(lock, &w);
      TakenBy(lock, ctx, ip);
      if (ctx != nullptr && lock->first_waiter != nullptr) {
        CheckWaiters(lock, ctx, ctx);
      }
      WaitUnlock(lock);
      return 0;
    }
    if (ctx != nullptr) {
      if (int ret = CheckKill(lock, &w, ctx)) {
        RemoveWaiter(lock, &w);
        WaitUnlock(lock);
        return ret;
      }
    }
    // Woken, and the lock went to someone else: the first waiter asks for
    // the next unlock to hand it over (the lock is held, and its holder
    // cannot release it without wait_lock while kWaiters is set).
    if (woken && lock->first_waiter == &w) {
      lock->base.state.fetch_or(kHandoff, kSeqCst);
    }
    WaitUnlock(lock);
    AwaitWake(w.word, seq);
    woken = true;
    WaitLock(lock);
  }
  WaitUnlock(lock);
  if (ctx != nullptr) {  // the unlocker already made ctx the owner
    ctx->acquired++;
    ctx->contending_lock = nullptr;
  }
  return 0;
}

// An unlock that found waiters or kHandoff. With kHandoff the first waiter
// gets the lock; otherwise the lock is released and the first waiter woken
// to compete for it.
void UnlockSlowpath(ww_mutex* lock) {
  WaitLock(lock);
  // Nobody else changes the word now: it is locked (no stealer), and waiters
  // and hand-over requests change it only under wait_lock.
  WwWaiter* w = lock->first_waiter;
  if (w == nullptr) {
    lock->base.state.store(kFree, kSeqCst);
    WaitUnlock(lock);
    return;
  }
  if ((lock->base.state.load(kSeqCst) & kHandoff) == 0) {
    lock->base.state.store(kFree | kWaiters, kSeqCst);
    Wake(w->word);
    WaitUnlock(lock);
    return;
  }
  Unlink(lock, w);
  w->handed_off = true;
  lock->base.owner.store(w->owner_id, std::memory_order_relaxed);
  lock->ctx.store(w->ctx, kSeqCst);
  lock->base.state.store(
      kFree | kLocked | (lock->first_waiter != nullptr ? kWaiters : 0),
      kSeqCst);
  if (w->ctx != nullptr) CheckWaiters(lock, w->ctx, nullptr);
  Wake(w->word);  // under wait_lock: `w` lives until its thread re-takes it
  WaitUnlock(lock);
}

}  // namespace

int WwRawLock(ww_mutex* lock, ww_acquire_ctx* ctx, unsigned long ip) {
  if (FastTryLock(lock) || SpinTryLock(lock)) {
    TakenFast(lock, ctx, ip);
    return 0;
  }
  return LockSlowpath(lock, ctx, ip);
}

bool WwRawTryLock(ww_mutex* lock, ww_acquire_ctx* ctx, unsigned long ip) {
  if (!FastTryLock(lock)) return false;
  TakenFast(lock, ctx, ip);
  return true;
}

void WwRawUnlock(ww_mutex* lock) {
  // Release suffices: a waiter reads the owner context only after its CAS
  // setting kWaiters on this locked word, so after our CAS below failed (we
  // then wait for its wait_lock), or after a later owner's CAS, which
  // carries this store along.
  lock->ctx.store(nullptr, std::memory_order_release);
  lock->base.owner.store(kNoOwner, std::memory_order_relaxed);
  uint32_t expected = kFree | kLocked;
  if (lock->base.state.compare_exchange_strong(expected, kFree, kSeqCst,
                                               std::memory_order_relaxed)) {
    return;
  }
  UnlockSlowpath(lock);
}

bool WwRawIsLocked(const ww_mutex* lock) {
  return (lock->base.state.load(std::memory_order_relaxed) & kLocked) != 0;
}

bool WwRawOwnedByMe(const ww_mutex* lock) {
  return lock->base.owner.load(std::memory_order_relaxed) == ThisOwnerId();
}

int WwRawWaiterCount(ww_mutex* lock) {
  WaitLock(lock);
  int n = 0;
  for (const WwWaiter* w = lock->first_waiter; w != nullptr; w = w->next) ++n;
  WaitUnlock(lock);
  return n;
}

}  // namespace lockdep::kernel_internal
