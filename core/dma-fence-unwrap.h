// dma-fence-unwrap: the plain fences inside chains and arrays, ported from
// Linux's drivers/dma-buf/dma-fence-unwrap.c: iterate them, and merge several
// containers into one fence of only the pending ones.
#ifndef LOCKDEP_CORE_DMA_FENCE_UNWRAP_H_
#define LOCKDEP_CORE_DMA_FENCE_UNWRAP_H_

#include "core/dma-fence-array.h"
#include "core/dma-fence-chain.h"
#include "core/dma-fence.h"

// Where an unwrap iteration is.
struct dma_fence_unwrap {
  // The chain node being walked (with a reference), or the head itself.
  struct dma_fence* chain;
  // The fence the node contains: an array being walked, or a plain fence.
  struct dma_fence* array;
  unsigned int index;
};

// The first plain fence in `head` (a fence, an array, a chain of either);
// NULL when there is none. Takes a reference to `head`, held in `cursor`
// until the iteration ends (dma_fence_unwrap_next() returned NULL); the
// fences returned are borrowed from it.
struct dma_fence* dma_fence_unwrap_first(struct dma_fence* head,
                                         struct dma_fence_unwrap* cursor);
// The next plain fence, or NULL at the end (the reference is then dropped).
struct dma_fence* dma_fence_unwrap_next(struct dma_fence_unwrap* cursor);

// Every plain fence in `head` as `fence`. Chain nodes already signalled may
// be skipped (the walk drops them). Leaving early keeps a reference in
// `cursor->chain`: drop it with dma_fence_put().
#define dma_fence_unwrap_for_each(fence, cursor, head)         \
  for (fence = dma_fence_unwrap_first(head, cursor); fence; \
       fence = dma_fence_unwrap_next(cursor))

// One fence for every pending plain fence in fences[0..num_fences), the
// latest of each timeline only: NULL without memory, a private signalled
// stub (with the latest timestamp seen) when none is pending, the one fence
// when only one is, else a new array. Takes no reference from the caller.
// Use dma_fence_unwrap_merge(), which makes `cursors` on the stack.
struct dma_fence* __dma_fence_unwrap_merge(unsigned int num_fences,
                                           struct dma_fence** fences,
                                           struct dma_fence_unwrap* cursors);

// dma_fence_unwrap_merge(f1, f2, ...): the merged fence (see above), with a
// reference for the caller.
#define dma_fence_unwrap_merge(...)                                         \
  ({                                                                        \
    struct dma_fence* __f[] = {__VA_ARGS__};                                \
    struct dma_fence_unwrap __c[sizeof(__f) / sizeof(__f[0])];              \
    __dma_fence_unwrap_merge(sizeof(__f) / sizeof(__f[0]), __f, __c);       \
  })

#endif  // LOCKDEP_CORE_DMA_FENCE_UNWRAP_H_
