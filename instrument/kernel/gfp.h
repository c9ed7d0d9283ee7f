// Allocation flags (<linux/gfp.h>): what an allocation may do to get memory.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_GFP_H_
#define LOCKDEP_INSTRUMENT_KERNEL_GFP_H_

typedef unsigned int gfp_t;

// May sleep and may reclaim memory: might_sleep(), and the fs_reclaim map
// (reclaim.h), as Linux's might_alloc().
#define GFP_KERNEL ((gfp_t)0x1u)
// Never sleeps nor reclaims: for atomic context (spinlock held, irqs off,
// interrupts).
#define GFP_ATOMIC ((gfp_t)0x2u)
#define GFP_NOWAIT ((gfp_t)0x4u)
// Zero the memory (kzalloc() adds it).
#define __GFP_ZERO ((gfp_t)0x100u)

// True when an allocation with `gfp` may block (and reclaim).
inline bool gfpflags_allow_blocking(gfp_t gfp) { return gfp & GFP_KERNEL; }

#endif  // LOCKDEP_INSTRUMENT_KERNEL_GFP_H_
