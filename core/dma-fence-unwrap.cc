#include "core/dma-fence-unwrap.h"

#include <algorithm>

#include "instrument/kernel.h"

namespace {

struct dma_fence* __dma_fence_unwrap_array(struct dma_fence_unwrap* cursor) {
  cursor->array = dma_fence_chain_contained(cursor->chain);
  cursor->index = 0;
  return dma_fence_array_first(cursor->array);
}

// Timelines ascending, and on one timeline the latest first, so that the
// first fence of each timeline is the one to keep.
bool fence_before(struct dma_fence* a, struct dma_fence* b) {
  if (a->context != b->context) return a->context < b->context;
  return dma_fence_is_later(a, b);
}

// Sorts and keeps the latest fence of each timeline, dropping the
// references to the others. The new count.
size_t dedup_fences(struct dma_fence** fences, size_t count) {
  std::sort(fences, fences + count, fence_before);
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    if (kept > 0 && fences[kept - 1]->context == fences[i]->context) {
      dma_fence_put(fences[i]);
    } else {
      fences[kept++] = fences[i];
    }
  }
  return kept;
}

}  // namespace

struct dma_fence* dma_fence_unwrap_first(struct dma_fence* head,
                                         struct dma_fence_unwrap* cursor) {
  cursor->chain = dma_fence_get(head);
  return __dma_fence_unwrap_array(cursor);
}

struct dma_fence* dma_fence_unwrap_next(struct dma_fence_unwrap* cursor) {
  ++cursor->index;
  struct dma_fence* tmp = dma_fence_array_next(cursor->array, cursor->index);
  if (tmp) return tmp;
  cursor->chain = dma_fence_chain_walk(cursor->chain);
  return __dma_fence_unwrap_array(cursor);
}

struct dma_fence* __dma_fence_unwrap_merge(unsigned int num_fences,
                                           struct dma_fence** fences,
                                           struct dma_fence_unwrap* cursors) {
  // Count the pending fences; note when the last signalled one did.
  size_t count = 0;
  ktime_t timestamp = 0;
  struct dma_fence* tmp;
  for (unsigned int i = 0; i < num_fences; ++i) {
    dma_fence_unwrap_for_each(tmp, &cursors[i], fences[i]) {
      if (!dma_fence_is_signaled(tmp)) {
        ++count;
      } else {
        timestamp = std::max(timestamp, dma_fence_timestamp(tmp));
      }
    }
  }
  if (count == 0) return dma_fence_allocate_private_stub(timestamp);

  auto** array = static_cast<struct dma_fence**>(
      kmalloc(count * sizeof(struct dma_fence*), GFP_KERNEL));
  if (!array) return nullptr;
  // Collect them again: some may have signalled since, none more appear.
  size_t n = 0;
  for (unsigned int i = 0; i < num_fences; ++i) {
    dma_fence_unwrap_for_each(tmp, &cursors[i], fences[i]) {
      if (n < count && !dma_fence_is_signaled(tmp)) {
        array[n++] = dma_fence_get(tmp);
      } else if (dma_fence_is_signaled(tmp)) {
        timestamp = std::max(timestamp, dma_fence_timestamp(tmp));
      }
    }
  }
  n = dedup_fences(array, n);
  if (n > 1) {
    struct dma_fence_array* result = dma_fence_array_create(
        static_cast<int>(n), array, dma_fence_context_alloc(1), 1, false);
    if (result) return &result->base;
    for (size_t i = 0; i < n; ++i) dma_fence_put(array[i]);
    kfree(array);
    return nullptr;
  }
  tmp = n == 0 ? dma_fence_allocate_private_stub(timestamp) : array[0];
  kfree(array);
  return tmp;
}
