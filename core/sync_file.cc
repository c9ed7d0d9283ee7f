#include "core/sync_file.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "core/dma-fence-unwrap.h"
#include "instrument/kernel.h"

namespace {

struct sync_file* sync_file_alloc() {
  auto* sync_file = static_cast<struct sync_file*>(
      kzalloc(sizeof(struct sync_file), GFP_KERNEL));
  if (!sync_file) return nullptr;
  kref_init(&sync_file->kref);
  init_completion(&sync_file->wq);
  // A wait queue stand-in woken by fence callbacks: judged by the fence
  // annotations, not as an event of its own.
  lockdep_event_exclude(&sync_file->wq.dep_map);
  INIT_LIST_HEAD(&sync_file->cb.node);
  return sync_file;
}

// Under the fence's lock.
void fence_check_cb_func(struct dma_fence*, struct dma_fence_cb* cb) {
  complete_all(&container_of(cb, struct sync_file, cb)->wq);
}

void sync_file_release(struct kref* kref) {
  struct sync_file* sync_file = container_of(kref, struct sync_file, kref);
  if (sync_file->flags.load() & (1ul << POLL_ENABLED)) {
    dma_fence_remove_callback(sync_file->fence, &sync_file->cb);
  }
  dma_fence_put(sync_file->fence);
  kfree(sync_file);
}

}  // namespace

struct sync_file* sync_file_create(struct dma_fence* fence) {
  struct sync_file* sync_file = sync_file_alloc();
  if (!sync_file) return nullptr;
  sync_file->fence = dma_fence_get(fence);
  return sync_file;
}

struct sync_file* sync_file_get(struct sync_file* sync_file) {
  kref_get(&sync_file->kref);
  return sync_file;
}

void sync_file_put(struct sync_file* sync_file) {
  if (sync_file) kref_put(&sync_file->kref, sync_file_release);
}

struct dma_fence* sync_file_get_fence(struct sync_file* sync_file) {
  if (!sync_file) return nullptr;
  return dma_fence_get(sync_file->fence);
}

struct sync_file* sync_file_merge(const char* name, struct sync_file* a,
                                  struct sync_file* b) {
  struct sync_file* sync_file = sync_file_alloc();
  if (!sync_file) return nullptr;
  struct dma_fence* fence = dma_fence_unwrap_merge(a->fence, b->fence);
  if (!fence) {
    kfree(sync_file);
    return nullptr;
  }
  sync_file->fence = fence;
  std::strncpy(sync_file->user_name, name, sizeof(sync_file->user_name) - 1);
  return sync_file;
}

char* sync_file_get_name(struct sync_file* sync_file, char* buf, int len) {
  if (len <= 0) return buf;
  if (sync_file->user_name[0]) {
    std::snprintf(buf, static_cast<size_t>(len), "%s", sync_file->user_name);
  } else {
    struct dma_fence* fence = sync_file->fence;
    std::snprintf(buf, static_cast<size_t>(len),
                  "%s-%s%" PRIu64 "-%" PRIu64,
                  fence->ops->get_driver_name(fence),
                  fence->ops->get_timeline_name(fence), fence->context,
                  fence->seqno);
  }
  return buf;
}

unsigned int sync_file_poll(struct sync_file* sync_file) {
  // The bit alone decides who arms: cb.node belongs to the fence lock.
  if (!(sync_file->flags.fetch_or(1ul << POLL_ENABLED) &
        (1ul << POLL_ENABLED))) {
    if (dma_fence_add_callback(sync_file->fence, &sync_file->cb,
                               fence_check_cb_func) < 0) {
      complete_all(&sync_file->wq);
    }
  }
  return dma_fence_is_signaled(sync_file->fence)
             ? static_cast<unsigned int>(EPOLLIN)
             : 0u;
}

void sync_file_set_deadline(struct sync_file* sync_file, ktime_t deadline) {
  dma_fence_set_deadline(sync_file->fence, deadline);
}
