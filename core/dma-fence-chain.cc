#include "core/dma-fence-chain.h"

#include <algorithm>

#include "core/bug.h"
#include "instrument/kernel.h"

namespace {

bool dma_fence_chain_enable_signaling(struct dma_fence* fence);

// The node's prev with a reference. Linux: dma_fence_get_rcu_safe().
struct dma_fence* dma_fence_chain_get_prev(struct dma_fence_chain* chain) {
  unsigned long flags;
  spin_lock_irqsave(&chain->prev_lock, flags);
  struct dma_fence* prev = dma_fence_get(chain->prev);
  spin_unlock_irqrestore(&chain->prev_lock, flags);
  return prev;
}

// Replaces chain->prev with `replacement` when it is still `old` (Linux's
// cmpxchg): true when replaced (the caller then owns the reference to `old`
// the node held, the node owns `replacement`'s).
bool dma_fence_chain_replace_prev(struct dma_fence_chain* chain,
                                  struct dma_fence* old,
                                  struct dma_fence* replacement) {
  unsigned long flags;
  spin_lock_irqsave(&chain->prev_lock, flags);
  const bool replaced = chain->prev == old;
  if (replaced) chain->prev = replacement;
  spin_unlock_irqrestore(&chain->prev_lock, flags);
  return replaced;
}

// Linux's __dma_fence_is_later() for 64-bit seqnos: a chain's own.
bool seqno_is_later(u64 f1, u64 f2) { return f1 > f2; }

const char* dma_fence_chain_get_driver_name(struct dma_fence*) {
  return "dma_fence_chain";
}

const char* dma_fence_chain_get_timeline_name(struct dma_fence*) {
  return "unbound";
}

void dma_fence_chain_irq_work(struct irq_work* work) {
  struct dma_fence_chain* chain =
      container_of(work, struct dma_fence_chain, work);
  // Re-arm on the next pending fence, or signal: nothing is left.
  if (!dma_fence_chain_enable_signaling(&chain->base)) {
    dma_fence_signal(&chain->base);
  }
  dma_fence_put(&chain->base);
}

// Under the lock of the fence that signalled: defer to the irq_work.
void dma_fence_chain_cb(struct dma_fence* f, struct dma_fence_cb* cb) {
  struct dma_fence_chain* chain = container_of(cb, struct dma_fence_chain, cb);
  irq_work_queue(&chain->work);
  dma_fence_put(f);
}

// With the node's lock held (first arming) or from its irq_work (re-arming).
// The node's reference taken here is the work's, dropped by it.
bool dma_fence_chain_enable_signaling(struct dma_fence* fence) {
  struct dma_fence_chain* head = to_dma_fence_chain(fence);
  dma_fence_get(&head->base);
  dma_fence_chain_for_each(fence, &head->base) {
    struct dma_fence* f = dma_fence_chain_contained(fence);
    dma_fence_get(f);
    if (!dma_fence_add_callback(f, &head->cb, dma_fence_chain_cb)) {
      dma_fence_put(fence);
      return true;
    }
    dma_fence_put(f);
  }
  dma_fence_put(&head->base);
  return false;
}

bool dma_fence_chain_signaled(struct dma_fence* fence) {
  dma_fence_chain_for_each(fence, fence) {
    struct dma_fence* f = dma_fence_chain_contained(fence);
    if (!dma_fence_is_signaled(f)) {
      dma_fence_put(fence);
      return false;
    }
  }
  return true;
}

void dma_fence_chain_release(struct dma_fence* fence) {
  struct dma_fence_chain* chain = to_dma_fence_chain(fence);
  // Unlink the nodes only this one holds, iteratively: putting them one
  // inside the other recurses once per node, and chains run to thousands.
  struct dma_fence* prev;
  while ((prev = chain->prev)) {
    if (kref_read(&prev->refcount) > 1) break;
    struct dma_fence_chain* prev_chain = to_dma_fence_chain(prev);
    if (!prev_chain) break;
    // The last reference to prev_chain is ours: nobody else reads it.
    chain->prev = prev_chain->prev;
    prev_chain->prev = nullptr;
    dma_fence_put(prev);
  }
  dma_fence_put(prev);
  dma_fence_put(chain->fence);
  dma_fence_free(fence);
}

void dma_fence_chain_set_deadline(struct dma_fence* fence, ktime_t deadline) {
  dma_fence_chain_for_each(fence, fence) {
    dma_fence_set_deadline(dma_fence_chain_contained(fence), deadline);
  }
}

}  // namespace

const struct dma_fence_ops dma_fence_chain_ops = {
    .use_64bit_seqno = true,
    .get_driver_name = dma_fence_chain_get_driver_name,
    .get_timeline_name = dma_fence_chain_get_timeline_name,
    .enable_signaling = dma_fence_chain_enable_signaling,
    .signaled = dma_fence_chain_signaled,
    .release = dma_fence_chain_release,
    .set_deadline = dma_fence_chain_set_deadline,
};

struct dma_fence* dma_fence_chain_walk(struct dma_fence* fence) {
  struct dma_fence_chain* chain = to_dma_fence_chain(fence);
  if (!chain) {
    dma_fence_put(fence);
    return nullptr;
  }
  struct dma_fence* prev;
  while ((prev = dma_fence_chain_get_prev(chain))) {
    struct dma_fence_chain* prev_chain = to_dma_fence_chain(prev);
    struct dma_fence* replacement;
    if (prev_chain) {
      if (!dma_fence_is_signaled(prev_chain->fence)) break;
      replacement = dma_fence_chain_get_prev(prev_chain);
    } else {
      if (!dma_fence_is_signaled(prev)) break;
      replacement = nullptr;
    }
    // Skip the signalled prev. Another walker may have done it first.
    if (dma_fence_chain_replace_prev(chain, prev, replacement)) {
      dma_fence_put(prev);
    } else {
      dma_fence_put(replacement);
    }
    dma_fence_put(prev);
  }
  dma_fence_put(fence);
  return prev;
}

int dma_fence_chain_find_seqno(struct dma_fence** pfence, u64 seqno) {
  if (!seqno) return 0;
  struct dma_fence_chain* chain = to_dma_fence_chain(*pfence);
  if (!chain || chain->base.seqno < seqno) return -EINVAL;
  dma_fence_chain_for_each(*pfence, &chain->base) {
    if ((*pfence)->context != chain->base.context ||
        to_dma_fence_chain(*pfence)->prev_seqno < seqno) {
      break;
    }
  }
  dma_fence_put(&chain->base);
  return 0;
}

struct dma_fence_chain* dma_fence_chain_alloc() {
  return static_cast<struct dma_fence_chain*>(
      kmalloc(sizeof(struct dma_fence_chain), GFP_KERNEL));
}

void dma_fence_chain_free(struct dma_fence_chain* chain) { kfree(chain); }

void dma_fence_chain_init(struct dma_fence_chain* chain,
                          struct dma_fence* prev, struct dma_fence* fence,
                          u64 seqno) {
  struct dma_fence_chain* prev_chain = to_dma_fence_chain(prev);
  spin_lock_init(&chain->lock);
  spin_lock_init(&chain->prev_lock);
  chain->prev = prev;
  chain->fence = fence;
  chain->prev_seqno = 0;
  INIT_LIST_HEAD(&chain->cb.node);
  init_irq_work(&chain->work, dma_fence_chain_irq_work);
  u64 context;
  // Continue prev's timeline when the seqno moves it forward.
  if (prev_chain && seqno_is_later(seqno, prev->seqno)) {
    context = prev->context;
    chain->prev_seqno = prev->seqno;
  } else {
    context = dma_fence_context_alloc(1);
    if (prev_chain) seqno = std::max(prev->seqno, seqno);
  }
  dma_fence_init(&chain->base, &dma_fence_chain_ops, &chain->lock, context,
                 seqno);
}
