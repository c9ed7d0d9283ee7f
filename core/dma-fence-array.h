// dma-fence-array: one fence standing for several, signalled when all of
// them (or, with signal_on_any, any of them) have signalled, ported from
// Linux's drivers/dma-buf/dma-fence-array.c.
//
// Nothing is watched until someone needs the array to signal (a callback or
// a wait): enable_signaling then adds a callback to each member, under the
// array's lock, so each member's lock nests inside it. A member's callback
// (under the member's lock) only counts down; the last one queues the
// array's irq_work, which signals the array in hard-irq context, outside
// every member lock (core/irq_work.h). The first member error is the
// array's error.
#ifndef LOCKDEP_CORE_DMA_FENCE_ARRAY_H_
#define LOCKDEP_CORE_DMA_FENCE_ARRAY_H_

#include <atomic>

#include "core/dma-fence-chain.h"
#include "core/dma-fence.h"
#include "core/irq_work.h"
#include "core/types.h"
#include "instrument/kernel.h"

struct dma_fence_array;

// One per member, behind the array in the same allocation.
struct dma_fence_array_cb {
  struct dma_fence_cb cb;
  struct dma_fence_array* array;
};

struct dma_fence_array {
  struct dma_fence base;
  // Lent to `base`. One class for every array.
  spinlock_t lock;
  unsigned num_fences;
  // Members still to signal (1 with signal_on_any).
  std::atomic<int> num_pending;
  // Owned: each member's reference and the kmalloc()ed array itself.
  struct dma_fence** fences;
  struct irq_work work;
  // num_fences entries, right after this struct.
  struct dma_fence_array_cb* callbacks;
};

extern const struct dma_fence_ops dma_fence_array_ops;

inline bool dma_fence_is_array(struct dma_fence* fence) {
  return fence->ops == &dma_fence_array_ops;
}

// True for an array or a chain: what may not be put in an array.
inline bool dma_fence_is_container(struct dma_fence* fence) {
  return dma_fence_is_array(fence) || dma_fence_is_chain(fence);
}

// The array `fence` is, or NULL when it is not one (NULL is passed through).
inline struct dma_fence_array* to_dma_fence_array(struct dma_fence* fence) {
  if (!fence || !dma_fence_is_array(fence)) return nullptr;
  return container_of(fence, struct dma_fence_array, base);
}

// kzalloc()s an array with room for `num_fences` callbacks; NULL without
// memory. Initialise it with dma_fence_array_init().
struct dma_fence_array* dma_fence_array_alloc(int num_fences);

// Initialises `array` (from dma_fence_array_alloc(num_fences): the
// callbacks live behind it) over `fences[0..num_fences)` on timeline
// `context` at `seqno`. Takes ownership of `fences` (kmalloc()ed) and of the
// reference to each member; all are dropped when the array is released.
// Warns on no fences and on a member that is itself an array or a chain
// (flatten them first: containers in containers recurse without bound).
void dma_fence_array_init(struct dma_fence_array* array, int num_fences,
                          struct dma_fence** fences, u64 context,
                          unsigned seqno, bool signal_on_any);

// dma_fence_array_alloc() and dma_fence_array_init(): the array with one
// reference, or NULL without memory (the caller then still owns `fences`).
struct dma_fence_array* dma_fence_array_create(int num_fences,
                                               struct dma_fence** fences,
                                               u64 context, unsigned seqno,
                                               bool signal_on_any);

// True when `fence`, or every member of the array `fence` is, is on
// timeline `context`.
bool dma_fence_match_context(struct dma_fence* fence, u64 context);

// The first member of the array `head`, `head` itself when it is not an
// array, NULL for NULL or an empty array. No reference taken.
struct dma_fence* dma_fence_array_first(struct dma_fence* head);
// Member `index` of the array `head`, or NULL past the end or when `head` is
// not an array. No reference taken.
struct dma_fence* dma_fence_array_next(struct dma_fence* head, unsigned index);

// Every member of `head` (or `head` itself when not an array) as `fence`,
// with `index` counting; no references taken.
#define dma_fence_array_for_each(fence, index, head)                     \
  for (index = 0, fence = dma_fence_array_first(head); fence;            \
       ++(index), fence = dma_fence_array_next(head, index))

#endif  // LOCKDEP_CORE_DMA_FENCE_ARRAY_H_
