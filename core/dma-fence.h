// dma-fence: a one-shot "this piece of work is done" event shared between
// drivers, ported from Linux's drivers/dma-buf/dma-fence.c onto the lockdep
// runtime. Kernel names, argument orders and return conventions.
//
// A fence belongs to a timeline (its context) and has a sequence number on
// it. Its fields are protected by a spinlock that is either *borrowed* from
// the object that creates the fence (dma_fence_init() with a lock: the lock
// must outlive every reference to the fence, which is the bug the in-place
// lock exists for) or the fence's own (dma_fence_init() with NULL, or
// dma_fence_inplace_lock_init()). Reach it only through dma_fence_spinlock(),
// dma_fence_lock_irqsave() and friends.
//
// Signalling: dma_fence_signal() runs every callback exactly once and wakes
// every waiter. Waits annotate, for lockdep, that they wait for a fence: code
// between dma_fence_begin_signalling() and dma_fence_end_signalling() is what
// signals fences, so taking a lock there that someone also holds while
// waiting for a fence is reported as a circular dependency, the first time
// both orders are seen, whether or not the wait ever blocked.
#ifndef LOCKDEP_CORE_DMA_FENCE_H_
#define LOCKDEP_CORE_DMA_FENCE_H_

#include <atomic>
#include <cstdio>

#include "core/kref.h"
#include "core/list.h"
#include "core/types.h"
#include "instrument/kernel.h"

struct dma_fence;
struct dma_fence_cb;

// Bits of dma_fence::flags.
enum dma_fence_flag_bits {
  DMA_FENCE_FLAG_SIGNALED_BIT,
  DMA_FENCE_FLAG_TIMESTAMP_BIT,
  DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT,
  DMA_FENCE_FLAG_USER_BITS,  // first bit free for the fence's driver
};

struct dma_fence {
  // The lock in use: borrowed, or &__lock_inplace. Use dma_fence_spinlock().
  spinlock_t* lock;
  // The fence's own lock, for fences that may outlive whatever could lend one.
  spinlock_t __lock_inplace;
  const struct dma_fence_ops* ops;
  // Callbacks to run when signalled; under the fence lock.
  struct list_head cb_list;
  // When it was signalled (ktime_get()); valid once
  // DMA_FENCE_FLAG_TIMESTAMP_BIT is set.
  ktime_t timestamp;
  u64 context;
  u64 seqno;
  // DMA_FENCE_FLAG_*_BIT; atomic, read without the lock.
  std::atomic<unsigned long> flags;
  struct kref refcount;
  // 0, or the negative error set by dma_fence_set_error() before signalling.
  int error;
};

typedef void (*dma_fence_func_t)(struct dma_fence* fence,
                                 struct dma_fence_cb* cb);

// A callback, embedded in the caller's object (dma_fence_add_callback()).
struct dma_fence_cb {
  struct list_head node;
  dma_fence_func_t func;
};

// What a fence's driver provides. Members in the kernel's order, so C++20
// designated initialisers work: { .get_driver_name = ..., .release = ... }.
struct dma_fence_ops {
  // The seqno is 64 bits wide (else 32, with wrap-around).
  bool use_64bit_seqno = {};
  // Required: names for debug output.
  const char* (*get_driver_name)(struct dma_fence* fence) = {};
  const char* (*get_timeline_name)(struct dma_fence* fence) = {};
  // Optional: called once, with the fence lock held, when someone first
  // needs the fence to signal (a callback or a wait). Return false when the
  // fence is already done: it is then signalled at once.
  bool (*enable_signaling)(struct dma_fence* fence) = {};
  // Optional: polls the hardware; true means done (the fence is then
  // signalled). May be called with or without the fence lock.
  bool (*signaled)(struct dma_fence* fence) = {};
  // Optional: replaces dma_fence_default_wait().
  signed long (*wait)(struct dma_fence* fence, bool intr,
                      signed long timeout) = {};
  // Optional: frees the fence on the last dma_fence_put(); without it the
  // fence is kfree()d.
  void (*release)(struct dma_fence* fence) = {};
  // Optional: a waiter needs the fence signalled by `deadline` (ktime_get()
  // time); a hint the driver may use to boost its clock. Any context.
  void (*set_deadline)(struct dma_fence* fence, ktime_t deadline) = {};
};

// ---------------------------------------------------------------------------
// Creation and references.

// Initialises *fence with one reference, on timeline `context` at `seqno`.
// `lock` is borrowed and must outlive every reference to the fence; NULL
// means the fence's own lock (as dma_fence_inplace_lock_init()). `ops` must
// have get_driver_name and get_timeline_name.
void dma_fence_init(struct dma_fence* fence, const struct dma_fence_ops* ops,
                    spinlock_t* lock, u64 context, u64 seqno);
// Initialises *fence to use its embedded lock, so it may outlive the object
// that created it. All in-place fence locks are one lock class, as in
// Linux's in-place lock series; dma_fence_lock_irqsave() nests them when one
// is signalled from another's callback.
void dma_fence_inplace_lock_init(struct dma_fence* fence,
                                 const struct dma_fence_ops* ops, u64 context,
                                 u64 seqno);
// `num` new timeline ids, consecutive; never 0. Thread-safe.
u64 dma_fence_context_alloc(unsigned num);

// Takes a reference (NULL is passed through) and returns `fence`.
struct dma_fence* dma_fence_get(struct dma_fence* fence);
// Drops a reference (NULL is a no-op). The last one releases the fence: a
// fence that still has callbacks but never signalled is signalled with
// -EDEADLK first (and warned about), then ops->release() or kfree().
void dma_fence_put(struct dma_fence* fence);
// kfree()s the fence: what ops->release does in the end.
void dma_fence_free(struct dma_fence* fence);

// ---------------------------------------------------------------------------
// The fence lock.

// The lock protecting the fence, borrowed or its own.
inline spinlock_t* dma_fence_spinlock(struct dma_fence* fence) {
  return fence->lock;
}
// Locks the fence lock with irqs saved. Inside a fence callback (this thread
// is signalling another fence whose lock is of the same class: two in-place
// locks, or two fences borrowing locks of one class) the lock is taken one
// nesting level deeper (spin_lock_nested), so a hardware fence's callback
// signalling a scheduler fence is legal; taking the very lock already held
// stays "possible recursive locking". Cost: a scan of this thread's
// (at most 8) running signallers.
#define dma_fence_lock_irqsave(fence, flags)     \
  do {                                           \
    LOCKDEP_KERNEL_TYPECHECK_FLAGS(flags);       \
    (flags) = __dma_fence_lock_irqsave(fence);   \
  } while (0)
unsigned long __dma_fence_lock_irqsave(struct dma_fence* fence);
#define dma_fence_unlock_irqrestore(fence, flags) \
  spin_unlock_irqrestore(dma_fence_spinlock(fence), flags)
// Reports "lockdep_assert_held failed" unless this thread holds the lock.
#define dma_fence_assert_held(fence) \
  lockdep_assert_held(dma_fence_spinlock(fence))

// ---------------------------------------------------------------------------
// Signalling.

// Marks the fence signalled and runs its callbacks (each exactly once, with
// the fence lock held), waking every waiter. 0, or -EINVAL when it was
// already signalled (or fence is NULL). Annotated as a signalling section.
int dma_fence_signal(struct dma_fence* fence);
int dma_fence_signal_timestamp(struct dma_fence* fence, ktime_t timestamp);
// As dma_fence_signal(), the fence lock already held by the caller.
int dma_fence_signal_locked(struct dma_fence* fence);
int dma_fence_signal_timestamp_locked(struct dma_fence* fence,
                                      ktime_t timestamp);

// True when signalled. Polls ops->signaled and signals the fence when it
// says so. Never blocks, takes the fence lock only to signal.
bool dma_fence_is_signaled(struct dma_fence* fence);
// As dma_fence_is_signaled(); the caller holds the fence lock.
bool dma_fence_is_signaled_locked(struct dma_fence* fence);
// 1 signalled without error, 0 pending, negative: signalled with that error.
// Takes the fence lock.
int dma_fence_get_status(struct dma_fence* fence);
int dma_fence_get_status_locked(struct dma_fence* fence);
// Records an error (-errno) to report when signalled; before signalling only.
void dma_fence_set_error(struct dma_fence* fence, int error);

// Registers `cb` to run `func` once when the fence signals (in the
// signaller's thread, fence lock held: it must not sleep nor take the fence
// lock). 0 when added; -ENOENT when the fence is already signalled (`cb` is
// not added and `func` never runs); -EINVAL for a NULL fence or func.
int dma_fence_add_callback(struct dma_fence* fence, struct dma_fence_cb* cb,
                           dma_fence_func_t func);
// Unregisters `cb`: true when it was still pending (it will not run), false
// when it already ran, was refused, or was never added (a zeroed `cb` is
// fine). Takes the fence lock.
bool dma_fence_remove_callback(struct dma_fence* fence,
                               struct dma_fence_cb* cb);
// Calls ops->enable_signaling once, as a waiter or callback would.
void dma_fence_enable_sw_signaling(struct dma_fence* fence);

// Annotations: the code between begin and end signals fences, so it must not
// wait for fences nor take locks that are held around fence waits. Nests;
// pass end the cookie begin returned. Free outside lockdep.
bool dma_fence_begin_signalling();
void dma_fence_end_signalling(bool cookie);
// Tells lockdep "this may wait for a fence" without waiting (every wait
// calls it, even on a signalled fence).
void dma_fence_might_wait();

// ---------------------------------------------------------------------------
// Waiting. Jiffies are milliseconds; MAX_SCHEDULE_TIMEOUT waits forever.
// User space has no signals, so `intr` never interrupts a wait.

// Waits up to `timeout` jiffies for the fence: the jiffies left (at least 1)
// once signalled, 0 on timeout (with timeout 0: 1 if signalled, else 0),
// -EINVAL for a negative timeout. May sleep (might_sleep()), and annotates
// the wait for lockdep even when the fence is already signalled.
signed long dma_fence_wait_timeout(struct dma_fence* fence, bool intr,
                                   signed long timeout);
// Waits for ever: 0, or a negative error.
signed long dma_fence_wait(struct dma_fence* fence, bool intr);
// The wait used when ops->wait is NULL: sleeps on a callback of the fence.
// Same return values as dma_fence_wait_timeout().
signed long dma_fence_default_wait(struct dma_fence* fence, bool intr,
                                   signed long timeout);

// True when seqno f1 is after f2 on their (common) timeline.
bool dma_fence_is_later(struct dma_fence* f1, struct dma_fence* f2);
// True when f1 is f2 or later on their (common) timeline.
bool dma_fence_is_later_or_same(struct dma_fence* f1, struct dma_fence* f2);

// ---------------------------------------------------------------------------
// Stubs, deadlines, waiting for any, description (core/dma-fence-stub.cc,
// core/dma-fence-wait-any.cc, core/dma-fence-describe.cc).

// A reference to the one process-wide fence that is always signalled
// (context 0, seqno 0), for "nothing to wait for". Never released.
struct dma_fence* dma_fence_get_stub();
// A new signalled fence of its own (its own context), signalled at
// `timestamp`; NULL without memory. For merges of signalled fences.
struct dma_fence* dma_fence_allocate_private_stub(ktime_t timestamp);
// When the fence signalled. The fence must be signalled (else warns and
// returns now); spins the few instructions until the signaller stored it.
ktime_t dma_fence_timestamp(struct dma_fence* fence);

// Tells the driver a waiter needs the fence by `deadline`: calls
// ops->set_deadline unless the fence is signalled. Any context.
void dma_fence_set_deadline(struct dma_fence* fence, ktime_t deadline);

// Waits up to `timeout` jiffies until any of `fences[0..count)` signals and
// stores its index in *idx (when idx is not NULL): the jiffies left (at
// least 1) once one has signalled, 0 on timeout (with timeout 0: 1 when one
// is signalled, else 0), -EINVAL for no fences or a negative timeout,
// -ENOMEM. Like dma_fence_wait_timeout() it may sleep and tells lockdep it
// waits for a fence (Linux's does not annotate: a wait for any fence under a
// lock the signaller needs deadlocks the same way). Allocates `count`
// callbacks; one shared completion wakes the waiter.
signed long dma_fence_wait_any_timeout(struct dma_fence** fences, u32 count,
                                       bool intr, signed long timeout,
                                       u32* idx);

// Prints one line about the fence to `seq`, as Linux's
// "<driver> <timeline> seq <seqno> [un]signalled". A FILE* (not a string):
// the debug listings it feeds, dma_buf_debug_show() among them, write to a
// FILE*, and open_memstream() gives a test the text. Polls ops->signaled.
void dma_fence_describe(struct dma_fence* fence, FILE* seq);

#endif  // LOCKDEP_CORE_DMA_FENCE_H_
