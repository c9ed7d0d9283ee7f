// dma-fence-chain: a timeline of fences ("syncobj timeline points"), ported
// from Linux's drivers/dma-buf/dma-fence-chain.c. Each node holds one fence
// and a reference to the node before it; the node signals when its fence
// and every fence before it have signalled. Walking the chain drops the
// nodes already signalled, so a long-lived chain stays short.
//
// Linux reads `prev` under RCU and replaces it with cmpxchg. User space has
// no RCU: `prev` is read (with a reference taken) and replaced under the
// node's small `prev_lock`, which is never held while anything else is
// taken. Signalling is Linux's: a callback on the first pending fence,
// which queues the node's irq_work; the work re-arms on the next pending
// fence or signals the node in hard-irq context (core/irq_work.h).
#ifndef LOCKDEP_CORE_DMA_FENCE_CHAIN_H_
#define LOCKDEP_CORE_DMA_FENCE_CHAIN_H_

#include "core/dma-fence.h"
#include "core/irq_work.h"
#include "core/types.h"
#include "instrument/kernel.h"

struct dma_fence_chain {
  struct dma_fence base;
  // The node (or plain fence) before this one, with a reference; NULL once
  // everything before signalled. Read it with dma_fence_chain_walk().
  struct dma_fence* prev;
  // prev's seqno when it was a node on the same timeline, else 0.
  u64 prev_seqno;
  // The fence this node adds, with a reference.
  struct dma_fence* fence;
  // On the pending fence while the node waits for it.
  struct dma_fence_cb cb;
  struct irq_work work;
  // Lent to `base`. One class for every node.
  spinlock_t lock;
  // Guards `prev` against the walkers that replace it. A leaf lock.
  spinlock_t prev_lock;
};

extern const struct dma_fence_ops dma_fence_chain_ops;

inline bool dma_fence_is_chain(struct dma_fence* fence) {
  return fence->ops == &dma_fence_chain_ops;
}

// The node `fence` is, or NULL when it is not one (NULL is passed through).
inline struct dma_fence_chain* to_dma_fence_chain(struct dma_fence* fence) {
  if (!fence || !dma_fence_is_chain(fence)) return nullptr;
  return container_of(fence, struct dma_fence_chain, base);
}

// The fence a node holds, or `fence` itself when it is not a node.
inline struct dma_fence* dma_fence_chain_contained(struct dma_fence* fence) {
  struct dma_fence_chain* chain = to_dma_fence_chain(fence);
  return chain ? chain->fence : fence;
}

// kmalloc()s a node; NULL without memory. Initialise it with
// dma_fence_chain_init(), or free it unused with dma_fence_chain_free().
struct dma_fence_chain* dma_fence_chain_alloc();
void dma_fence_chain_free(struct dma_fence_chain* chain);

// Initialises `chain` as the node after `prev` (NULL: a new chain) adding
// `fence` at `seqno`. Takes over the caller's references to `prev` and
// `fence`. The node continues prev's timeline when prev is a node and
// `seqno` is after its seqno; otherwise it starts a timeline of its own (with
// a seqno no lower than prev's).
void dma_fence_chain_init(struct dma_fence_chain* chain,
                          struct dma_fence* prev, struct dma_fence* fence,
                          u64 seqno);

// The node before `fence` (with a reference), dropping the caller's
// reference to `fence`; NULL at the end or when `fence` is not a node. Drops
// (and unlinks) the signalled nodes on the way.
struct dma_fence* dma_fence_chain_walk(struct dma_fence* fence);

// Moves *pfence (a reference to a node) to the node that signals `seqno`:
// the oldest node still needed for it, or NULL when everything up to seqno
// has signalled. 0, or -EINVAL when *pfence is not a node or seqno is past
// it (*pfence is then unchanged). seqno 0 is a no-op.
int dma_fence_chain_find_seqno(struct dma_fence** pfence, u64 seqno);

// Every node from `head` back, as `iter` (holding a reference to it); at
// the end `iter` is NULL. Leaving the loop early leaves the caller the
// reference to `iter`.
#define dma_fence_chain_for_each(iter, head) \
  for (iter = dma_fence_get(head); iter; iter = dma_fence_chain_walk(iter))

#endif  // LOCKDEP_CORE_DMA_FENCE_CHAIN_H_
