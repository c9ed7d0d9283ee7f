// sw_sync: a timeline advanced by hand, whose fences signal when it reaches
// their seqno, ported from Linux's drivers/dma-buf/sw_sync.c (the validation
// driver behind <debugfs>/sync/sw_sync). The tool for deterministic fence
// tests: make fences at chosen seqnos, then advance the timeline to signal
// exactly the ones up to a value, from whichever thread the test chooses.
//
// No file descriptors: a timeline is an object with a reference count;
// sync_timeline_create() stands for opening sw_sync, sw_sync_release() for
// closing it. Seqnos are 32 bits, compared with wrap-around, as Linux's.
// The fences borrow the timeline's lock and hold a reference to the
// timeline, so the lock outlives them.
#ifndef LOCKDEP_CORE_SW_SYNC_H_
#define LOCKDEP_CORE_SW_SYNC_H_

#include <atomic>

#include "core/dma-fence.h"
#include "core/kref.h"
#include "core/list.h"
#include "core/types.h"
#include "instrument/kernel.h"

struct sync_timeline {
  struct kref kref;
  char name[32];
  // Lent to every fence of the timeline; guards value and pt_list.
  spinlock_t lock;
  u64 context;
  // The last seqno signalled. Written under `lock`; atomic because
  // dma_fence_is_signaled() polls it without the lock (as Linux does).
  std::atomic<u32> value;
  // The pending points, by seqno. Linux keeps an rbtree beside the list
  // for inserting; a sorted list costs O(pending) per point instead.
  struct list_head pt_list;
};

// A point on a timeline: a fence with seqno `base.seqno`.
struct sync_pt {
  struct dma_fence base;
  // In parent->pt_list while pending.
  struct list_head link;
  // The earliest deadline set (valid with SW_SYNC_HAS_DEADLINE_BIT).
  ktime_t deadline;
};

// Set in sync_pt::base.flags once a deadline was set.
enum { SW_SYNC_HAS_DEADLINE_BIT = DMA_FENCE_FLAG_USER_BITS };

// A new timeline at value 0, named `name` (truncated to 31 characters),
// with one reference; NULL without memory.
struct sync_timeline* sync_timeline_create(const char* name);
void sync_timeline_get(struct sync_timeline* obj);
// Drops a reference; the last one frees the timeline (every point holds
// one, so that is after the last point is released).
void sync_timeline_put(struct sync_timeline* obj);

// The point of `obj` at seqno `value`, with a reference: an existing pending
// point of that seqno when there is one (Linux's sharing), else a new one,
// signalled at once when the timeline is already at or past `value`. NULL
// without memory.
struct sync_pt* sync_pt_create(struct sync_timeline* obj, unsigned int value);

// Advances the timeline by `inc` and signals, in seqno order and under the
// timeline's lock, every point it reached (callbacks run there).
void sync_timeline_signal(struct sync_timeline* obj, unsigned int inc);

// As closing sw_sync's file: every pending point signals with -ENOENT, and
// the caller's reference to the timeline is dropped.
void sw_sync_release(struct sync_timeline* obj);

// The sync_pt `fence` is, or NULL when it is not one.
struct sync_pt* dma_fence_to_sync_pt(struct dma_fence* fence);

// The earliest deadline set on the point (SW_SYNC_GET_DEADLINE): 0,
// -EINVAL when `fence` is not a sync_pt, -ENOENT when none was set.
int sync_pt_get_deadline(struct dma_fence* fence, ktime_t* deadline);

#endif  // LOCKDEP_CORE_SW_SYNC_H_
