// dma-resv: the reservation object of a shared buffer, ported from Linux's
// drivers/dma-buf/dma-resv.c onto the lockdep runtime.
//
// One ww_mutex of the global reservation_ww_class (wait-die, as in Linux)
// serialises everything done to the buffer, so a submission locks all its
// buffers with one acquire context and the -EDEADLK back-off loop, in any
// order. The object also holds the fences of the work using the buffer, each
// with a usage saying what must wait for it. Changing the fences needs the
// lock (checked with dma_resv_assert_held()); dma_resv_test_signaled() and
// dma_resv_wait_timeout() may be called without it.
//
// Linux reads the fence list under RCU; user space has none, so readers
// without the lock copy the list (taking a reference on each fence) under a
// small spinlock that writers also take while changing it. Like an RCU
// read-side section it is safe from any context: it is taken with irqs
// saved and disabled, so dma_resv_test_signaled() may run in a fence
// callback in (simulated) hard-irq context.
#ifndef LOCKDEP_CORE_DMA_RESV_H_
#define LOCKDEP_CORE_DMA_RESV_H_

#include <cstdio>

#include "core/dma-fence.h"
#include "core/types.h"
#include "instrument/kernel.h"

// The class of every reservation lock (wait-die).
extern struct ww_class reservation_ww_class;

// What a fence is for, in the order of who must wait for it: a wait or
// iteration "up to" a usage includes every usage before it.
enum dma_resv_usage {
  DMA_RESV_USAGE_KERNEL,    // kernel memory management (moves, clears)
  DMA_RESV_USAGE_WRITE,     // implicit-sync writers
  DMA_RESV_USAGE_READ,      // implicit-sync readers
  DMA_RESV_USAGE_BOOKKEEP,  // nothing waits implicitly (explicit sync)
};

// The usage an access must wait for: a write waits for readers and
// writers, a read for writers only.
inline enum dma_resv_usage dma_resv_usage_rw(bool write) {
  return write ? DMA_RESV_USAGE_READ : DMA_RESV_USAGE_WRITE;
}

struct dma_resv_list;

struct dma_resv {
  struct ww_mutex lock;
  // Guards `fences` against readers that do not hold `lock`; irq-safe.
  spinlock_t fences_lock;
  struct dma_resv_list* fences;
  // Times `fences` was replaced (under fences_lock): an unlocked walk
  // restarts when it moved, even if a new table reused the old address.
  u64 seq;
};

// Walks the fences of one object, up to a usage: with the lock held
// (dma_resv_for_each_fence), or without it (dma_resv_for_each_fence_unlocked).
struct dma_resv_iter {
  struct dma_resv* obj;
  enum dma_resv_usage usage;
  struct dma_fence* fence;          // the current fence
  enum dma_resv_usage fence_usage;  // its usage
  unsigned int index;               // next slot to look at
  // Unlocked walks: the table walked and its size when the walk (re)started;
  // the walk starts over when the object's table is no longer this one.
  struct dma_resv_list* fences;
  unsigned int num_fences;
  u64 seq;            // dma_resv::seq when the walk (re)started
  bool is_restarted;  // the current fence is the first since a (re)start
};

// Initialises an unlocked object without fences.
void dma_resv_init(struct dma_resv* obj);
// Drops every fence and destroys the lock; the object must be unlocked.
void dma_resv_fini(struct dma_resv* obj);

// Locks the object. With a ctx (ww_acquire_init(ctx, &reservation_ww_class)):
// 0, -EALREADY when ctx holds it already, or -EDEADLK: unlock everything ctx
// holds, dma_resv_lock_slow() this one and start over. ctx may be NULL (one
// object, or the first of a plain sequence): then always 0. May sleep.
int dma_resv_lock(struct dma_resv* obj, struct ww_acquire_ctx* ctx);
// As dma_resv_lock(); user space has no signals, so never -EINTR.
int dma_resv_lock_interruptible(struct dma_resv* obj,
                                struct ww_acquire_ctx* ctx);
// After -EDEADLK, holding nothing else of ctx: sleeps until it is locked.
void dma_resv_lock_slow(struct dma_resv* obj, struct ww_acquire_ctx* ctx);
int dma_resv_lock_slow_interruptible(struct dma_resv* obj,
                                     struct ww_acquire_ctx* ctx);
// Locks without waiting: true when locked.
bool dma_resv_trylock(struct dma_resv* obj);
void dma_resv_unlock(struct dma_resv* obj);
// True when some thread holds the lock (a snapshot).
bool dma_resv_is_locked(struct dma_resv* obj);
// The context holding the lock, or NULL.
struct ww_acquire_ctx* dma_resv_locking_ctx(struct dma_resv* obj);

// Reports "lockdep_assert_held failed" unless this thread holds the lock.
#define dma_resv_assert_held(obj) lockdep_assert_held(&(obj)->lock.base)
// 1 when this thread holds the lock.
#define dma_resv_held(obj) lockdep_is_held(&(obj)->lock.base)

// Makes room for `num_fences` more fences in this locked section; lock
// held. 0 or -ENOMEM. May sleep (GFP_KERNEL allocation). The reservation
// ends at dma_resv_unlock(), as in Linux with CONFIG_DEBUG_MUTEXES: reserve
// after every lock, before the dma_resv_add_fence() calls.
int dma_resv_reserve_fences(struct dma_resv* obj, unsigned int num_fences);
// Adds `fence` (taking a reference) with `usage`; lock held. It replaces
// (drops the reference of) any signalled fence, and an old fence of the
// same context whose usage is the same or later (old usage >= `usage`)
// when `fence` is later or the same (dma_fence_is_later_or_same()): only
// then does waiting for `fence` also wait for the old one. Otherwise it
// takes a reserved slot; with none left it is not added and reported as
// "BUG: kernel BUG at ..." (Linux's BUG_ON). Cost: a pass over the fences.
void dma_resv_add_fence(struct dma_resv* obj, struct dma_fence* fence,
                        enum dma_resv_usage usage);
// Ends this locked section's reservation (dma_resv_unlock() calls it): the
// slots reserved and not used are no longer reserved. Lock held.
void dma_resv_reset_max_fences(struct dma_resv* obj);

// True when every fence up to `usage` is signalled. Lock not needed.
bool dma_resv_test_signaled(struct dma_resv* obj, enum dma_resv_usage usage);
// Waits for every fence up to `usage`: the jiffies left (at least 1), 0 on
// timeout, or a negative error, as dma_fence_wait_timeout(). Lock not
// needed, and must not be held by a caller whose fences are being waited on.
long dma_resv_wait_timeout(struct dma_resv* obj, enum dma_resv_usage usage,
                           bool intr, unsigned long timeout);

// Iteration with the lock held:
//   struct dma_resv_iter cursor;
//   struct dma_fence *fence;
//   dma_resv_for_each_fence(&cursor, obj, DMA_RESV_USAGE_READ, fence) { ... }
void dma_resv_iter_begin(struct dma_resv_iter* cursor, struct dma_resv* obj,
                         enum dma_resv_usage usage);
struct dma_fence* dma_resv_iter_first(struct dma_resv_iter* cursor);
struct dma_fence* dma_resv_iter_next(struct dma_resv_iter* cursor);
inline enum dma_resv_usage dma_resv_iter_usage(struct dma_resv_iter* cursor) {
  return cursor->fence_usage;
}
#define dma_resv_for_each_fence(cursor, obj, usage, fence) \
  for (dma_resv_iter_begin(cursor, obj, usage),            \
       fence = dma_resv_iter_first(cursor);                \
       fence; fence = dma_resv_iter_next(cursor))

// Iteration without the lock, as Linux's RCU walk: only fences not yet
// signalled, each with a reference the cursor holds until the next step or
// dma_resv_iter_end(). When the object's table is replaced meanwhile
// (dma_resv_reserve_fences() grew it, dma_resv_copy_fences()), the walk
// starts over and dma_resv_iter_is_restarted() is true for its first fence:
// callers accumulating results throw away what they had.
//   dma_resv_iter_begin(&cursor, obj, DMA_RESV_USAGE_READ);
//   dma_resv_for_each_fence_unlocked(&cursor, fence) {
//     if (dma_resv_iter_is_restarted(&cursor)) forget_what_was_collected();
//     ...
//   }
//   dma_resv_iter_end(&cursor);
// Cost per step: fences_lock (irqsave) and a fence reference. Any context.
struct dma_fence* dma_resv_iter_first_unlocked(struct dma_resv_iter* cursor);
struct dma_fence* dma_resv_iter_next_unlocked(struct dma_resv_iter* cursor);
// Drops the reference the cursor holds (unlocked walks).
inline void dma_resv_iter_end(struct dma_resv_iter* cursor) {
  dma_fence_put(cursor->fence);
  cursor->fence = nullptr;
}
inline bool dma_resv_iter_is_restarted(struct dma_resv_iter* cursor) {
  return cursor->is_restarted;
}
#define dma_resv_for_each_fence_unlocked(cursor, fence)   \
  for (fence = dma_resv_iter_first_unlocked(cursor); fence; \
       fence = dma_resv_iter_next_unlocked(cursor))

// The unsignalled fences up to `usage`, each with a reference, in a
// kmalloc()ed array (*fences, *num_fences; both start empty, the caller
// puts every fence and kfree()s the array). Lock not needed. 0 or -ENOMEM.
// May sleep (GFP_KERNEL).
int dma_resv_get_fences(struct dma_resv* obj, enum dma_resv_usage usage,
                        unsigned int* num_fences, struct dma_fence*** fences);
// Replaces dst's fences with src's unsignalled ones (same usages). dst
// locked, src need not be. 0 or -ENOMEM. May sleep.
int dma_resv_copy_fences(struct dma_resv* dst, struct dma_resv* src);
// Every fence of `context` becomes `replacement` with `usage` (e.g. a
// preemption fence replaced by the job's end). Lock held; no reservation
// needed (slots are reused).
void dma_resv_replace_fences(struct dma_resv* obj, u64 context,
                             struct dma_fence* replacement,
                             enum dma_resv_usage usage);
// One fence for the unsignalled fences up to `usage`, with a reference, in
// *fence: NULL when there is none, the fence itself when there is one, else
// a dma_fence_array of them on a fresh context (as drivers hand a buffer's
// implicit fences to a sync_file). Lock not needed. 0 or -ENOMEM. May sleep
// (GFP_KERNEL).
int dma_resv_get_singleton(struct dma_resv* obj, enum dma_resv_usage usage,
                           struct dma_fence** fence);
// Writes one line per fence up to DMA_RESV_USAGE_READ to `s`: "\t<usage>
// fence:" and dma_fence_describe()'s line, as Linux does. Lock held.
void dma_resv_describe(struct dma_resv* obj, FILE* s);

#endif  // LOCKDEP_CORE_DMA_RESV_H_
