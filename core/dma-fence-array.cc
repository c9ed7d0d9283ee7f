#include "core/dma-fence-array.h"

#include "core/bug.h"
#include "instrument/kernel.h"

namespace {

// base.error while no member has failed and the array has not signalled:
// the first member error replaces it, signalling clears what is left. A
// positive value no real error can be.
constexpr int PENDING_ERROR = 1;

const char* dma_fence_array_get_driver_name(struct dma_fence*) {
  return "dma_fence_array";
}

const char* dma_fence_array_get_timeline_name(struct dma_fence*) {
  return "unbound";
}

// Member callbacks race each other (and the clear) from any thread: the
// error is only ever changed by compare-and-swap.
void dma_fence_array_set_pending_error(struct dma_fence_array* array,
                                       int error) {
  int expected = PENDING_ERROR;
  if (error) {
    __atomic_compare_exchange_n(&array->base.error, &expected, error, false,
                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  }
}

void dma_fence_array_clear_pending_error(struct dma_fence_array* array) {
  int expected = PENDING_ERROR;
  __atomic_compare_exchange_n(&array->base.error, &expected, 0, false,
                              __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void irq_dma_fence_array_work(struct irq_work* work) {
  struct dma_fence_array* array =
      container_of(work, struct dma_fence_array, work);
  dma_fence_array_clear_pending_error(array);
  dma_fence_signal(&array->base);
  // The reference the last member callback kept for this work.
  dma_fence_put(&array->base);
}

// Under the member's lock: count down, never signal here.
void dma_fence_array_cb_func(struct dma_fence* f, struct dma_fence_cb* cb) {
  struct dma_fence_array_cb* array_cb =
      container_of(cb, struct dma_fence_array_cb, cb);
  struct dma_fence_array* array = array_cb->array;
  dma_fence_array_set_pending_error(array, f->error);
  if (array->num_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    irq_work_queue(&array->work);
  } else {
    dma_fence_put(&array->base);
  }
}

// Under the array's lock.
bool dma_fence_array_enable_signaling(struct dma_fence* fence) {
  struct dma_fence_array* array = to_dma_fence_array(fence);
  struct dma_fence_array_cb* cb = array->callbacks;
  for (unsigned i = 0; i < array->num_fences; ++i) {
    cb[i].array = array;
    // The array may be reported signalled (through ->signaled) before
    // every callback ran; each pending callback keeps the array alive.
    dma_fence_get(&array->base);
    if (dma_fence_add_callback(array->fences[i], &cb[i].cb,
                               dma_fence_array_cb_func)) {
      dma_fence_array_set_pending_error(array, array->fences[i]->error);
      dma_fence_put(&array->base);
      if (array->num_pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        dma_fence_array_clear_pending_error(array);
        return false;
      }
    }
  }
  return true;
}

bool dma_fence_array_signaled(struct dma_fence* fence) {
  struct dma_fence_array* array = to_dma_fence_array(fence);
  // Read the count before the enable bit: enable_signaling may be counting
  // down meanwhile, and a count read after the bit could be half done.
  int num_pending = array->num_pending.load(std::memory_order_acquire);
  if (array->base.flags.load(std::memory_order_acquire) &
      (1ul << DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT)) {
    if (num_pending > 0) return false;
  } else {
    bool done = false;
    for (unsigned i = 0; i < array->num_fences && !done; ++i) {
      if (dma_fence_is_signaled(array->fences[i]) && !--num_pending) {
        done = true;
      }
    }
    if (!done) return false;
  }
  dma_fence_array_clear_pending_error(array);
  return true;
}

void dma_fence_array_release(struct dma_fence* fence) {
  struct dma_fence_array* array = to_dma_fence_array(fence);
  for (unsigned i = 0; i < array->num_fences; ++i) {
    dma_fence_put(array->fences[i]);
  }
  kfree(array->fences);
  dma_fence_free(fence);
}

void dma_fence_array_set_deadline(struct dma_fence* fence, ktime_t deadline) {
  struct dma_fence_array* array = to_dma_fence_array(fence);
  for (unsigned i = 0; i < array->num_fences; ++i) {
    dma_fence_set_deadline(array->fences[i], deadline);
  }
}

}  // namespace

const struct dma_fence_ops dma_fence_array_ops = {
    .get_driver_name = dma_fence_array_get_driver_name,
    .get_timeline_name = dma_fence_array_get_timeline_name,
    .enable_signaling = dma_fence_array_enable_signaling,
    .signaled = dma_fence_array_signaled,
    .release = dma_fence_array_release,
    .set_deadline = dma_fence_array_set_deadline,
};

struct dma_fence_array* dma_fence_array_alloc(int num_fences) {
  if (WARN_ON(num_fences < 0)) return nullptr;
  const size_t size =
      sizeof(struct dma_fence_array) +
      static_cast<size_t>(num_fences) * sizeof(struct dma_fence_array_cb);
  auto* array = static_cast<struct dma_fence_array*>(kzalloc(size, GFP_KERNEL));
  if (!array) return nullptr;
  array->callbacks = reinterpret_cast<struct dma_fence_array_cb*>(array + 1);
  return array;
}

void dma_fence_array_init(struct dma_fence_array* array, int num_fences,
                          struct dma_fence** fences, u64 context,
                          unsigned seqno, bool signal_on_any) {
  WARN_ON(!num_fences || !fences);
  array->num_fences = static_cast<unsigned>(num_fences);
  spin_lock_init(&array->lock);
  dma_fence_init(&array->base, &dma_fence_array_ops, &array->lock, context,
                 seqno);
  init_irq_work(&array->work, irq_dma_fence_array_work);
  array->num_pending.store(signal_on_any ? 1 : num_fences,
                           std::memory_order_relaxed);
  array->fences = fences;
  array->base.error = PENDING_ERROR;
  // An array of containers recurses through them on every operation.
  while (num_fences--) WARN_ON(dma_fence_is_container(fences[num_fences]));
}

struct dma_fence_array* dma_fence_array_create(int num_fences,
                                               struct dma_fence** fences,
                                               u64 context, unsigned seqno,
                                               bool signal_on_any) {
  struct dma_fence_array* array = dma_fence_array_alloc(num_fences);
  if (!array) return nullptr;
  dma_fence_array_init(array, num_fences, fences, context, seqno,
                       signal_on_any);
  return array;
}

bool dma_fence_match_context(struct dma_fence* fence, u64 context) {
  struct dma_fence_array* array = to_dma_fence_array(fence);
  if (!array) return fence->context == context;
  for (unsigned i = 0; i < array->num_fences; i++) {
    if (array->fences[i]->context != context) return false;
  }
  return true;
}

struct dma_fence* dma_fence_array_first(struct dma_fence* head) {
  if (!head) return nullptr;
  struct dma_fence_array* array = to_dma_fence_array(head);
  if (!array) return head;
  if (!array->num_fences) return nullptr;
  return array->fences[0];
}

struct dma_fence* dma_fence_array_next(struct dma_fence* head,
                                       unsigned index) {
  struct dma_fence_array* array = to_dma_fence_array(head);
  if (!array || index >= array->num_fences) return nullptr;
  return array->fences[index];
}
