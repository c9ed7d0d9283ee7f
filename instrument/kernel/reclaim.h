// Memory reclaim as lockdep sees it (Linux's mm/page_alloc.c annotations).
//
// An allocation that may block may also reclaim memory, and reclaim runs
// shrinkers that take locks and wait for fences. Linux models all of that
// as one lock, the `fs_reclaim` map: a GFP_KERNEL allocation takes and
// releases it (might_alloc()), and code that reclaim runs holds it
// (fs_reclaim_acquire()). So "allocate with lock L held" against "reclaim
// takes L" is a circular dependency the first time both are seen, whether
// or not memory ever ran short. GFP_ATOMIC and GFP_NOWAIT allocations never
// reclaim and do not take it; neither does a thread between
// memalloc_noreclaim_save() and _restore() (Linux's PF_MEMALLOC).
#ifndef LOCKDEP_INSTRUMENT_KERNEL_RECLAIM_H_
#define LOCKDEP_INSTRUMENT_KERNEL_RECLAIM_H_

#include "instrument/kernel/gfp.h"
#include "runtime/lockdep_map.h"

// The map every reclaiming allocation takes, named "fs_reclaim" in reports.
extern lockdep_map __fs_reclaim_map;

// Enters (acquire) / leaves (release) code that memory reclaim with `gfp`
// would run: takes the fs_reclaim map for write when `gfp` may reclaim and
// this thread is not in a no-reclaim section. Cost: one lock_acquire().
void fs_reclaim_acquire(gfp_t gfp);
void fs_reclaim_release(gfp_t gfp);

// An allocation with `gfp` may happen here: the fs_reclaim dependency and,
// when it may block, might_sleep(). kmalloc() and kzalloc() call it.
void might_alloc(gfp_t gfp);

namespace lockdep::kernel_internal {
// might_alloc() recording `ip` as the allocation site (for kmalloc()).
void MightAlloc(gfp_t gfp, unsigned long ip);
}  // namespace lockdep::kernel_internal

// No allocation of this thread reclaims until the matching restore (Linux:
// code that reclaim itself runs, which must not recurse into reclaim).
// Returns the previous state for memalloc_noreclaim_restore(); nests.
unsigned int memalloc_noreclaim_save();
void memalloc_noreclaim_restore(unsigned int flags);

#endif  // LOCKDEP_INSTRUMENT_KERNEL_RECLAIM_H_
