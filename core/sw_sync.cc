#include "core/sw_sync.h"

#include <cstring>

#include "core/bug.h"
#include "instrument/kernel.h"

namespace {

struct sync_timeline* dma_fence_parent(struct dma_fence* fence) {
  return container_of(fence->lock, struct sync_timeline, lock);
}

// Linux's __dma_fence_is_later() for 32-bit seqnos: wraps around.
bool seqno_is_later(u64 f1, u64 f2) {
  return static_cast<int32_t>(static_cast<u32>(f1) - static_cast<u32>(f2)) > 0;
}

// Linux's dma_fence_get_rcu(): a reference unless the fence is already on
// its way to release (which waits for the timeline lock to unlink it).
bool dma_fence_get_unless_zero(struct dma_fence* fence) {
  unsigned int count = kref_read(&fence->refcount);
  while (count != 0) {
    if (fence->refcount.refcount.compare_exchange_weak(
            count, count + 1, std::memory_order_acquire)) {
      return true;
    }
  }
  return false;
}

void sync_timeline_free(struct kref* kref) {
  kfree(container_of(kref, struct sync_timeline, kref));
}

const char* timeline_fence_get_driver_name(struct dma_fence*) {
  return "sw_sync";
}

const char* timeline_fence_get_timeline_name(struct dma_fence* fence) {
  return dma_fence_parent(fence)->name;
}

bool timeline_fence_signaled(struct dma_fence* fence) {
  return !seqno_is_later(
      fence->seqno,
      dma_fence_parent(fence)->value.load(std::memory_order_relaxed));
}

bool timeline_fence_enable_signaling(struct dma_fence*) { return true; }

void timeline_fence_release(struct dma_fence* fence) {
  struct sync_pt* pt = dma_fence_to_sync_pt(fence);
  struct sync_timeline* parent = dma_fence_parent(fence);
  unsigned long flags;
  spin_lock_irqsave(fence->lock, flags);
  if (!list_empty(&pt->link)) list_del_init(&pt->link);
  spin_unlock_irqrestore(fence->lock, flags);
  sync_timeline_put(parent);
  dma_fence_free(fence);
}

void timeline_fence_set_deadline(struct dma_fence* fence, ktime_t deadline) {
  struct sync_pt* pt = dma_fence_to_sync_pt(fence);
  unsigned long flags;
  spin_lock_irqsave(fence->lock, flags);
  const bool had = fence->flags.fetch_or(1ul << SW_SYNC_HAS_DEADLINE_BIT) &
                   (1ul << SW_SYNC_HAS_DEADLINE_BIT);
  if (!had || deadline < pt->deadline) pt->deadline = deadline;
  spin_unlock_irqrestore(fence->lock, flags);
}

const struct dma_fence_ops timeline_fence_ops = {
    .get_driver_name = timeline_fence_get_driver_name,
    .get_timeline_name = timeline_fence_get_timeline_name,
    .enable_signaling = timeline_fence_enable_signaling,
    .signaled = timeline_fence_signaled,
    .release = timeline_fence_release,
    .set_deadline = timeline_fence_set_deadline,
};

// Signals, under the timeline's lock, every pending point up to its value,
// taking them off the list; each keeps a reference in `signalled` so no
// callback can release one (whose release takes this lock) meanwhile.
void signal_reached_locked(struct sync_timeline* obj,
                           struct list_head* signalled) {
  struct sync_pt *pt, *next;
  list_for_each_entry_safe(pt, next, &obj->pt_list, link) {
    if (!timeline_fence_signaled(&pt->base)) break;
    if (!dma_fence_get_unless_zero(&pt->base)) continue;
    list_del(&pt->link);
    list_add_tail(&pt->link, signalled);
    dma_fence_signal_locked(&pt->base);
  }
}

void put_signalled(struct list_head* signalled) {
  struct sync_pt *pt, *next;
  list_for_each_entry_safe(pt, next, signalled, link) {
    list_del_init(&pt->link);
    dma_fence_put(&pt->base);
  }
}

}  // namespace

struct sync_pt* dma_fence_to_sync_pt(struct dma_fence* fence) {
  if (fence->ops != &timeline_fence_ops) return nullptr;
  return container_of(fence, struct sync_pt, base);
}

struct sync_timeline* sync_timeline_create(const char* name) {
  auto* obj = static_cast<struct sync_timeline*>(
      kzalloc(sizeof(struct sync_timeline), GFP_KERNEL));
  if (!obj) return nullptr;
  kref_init(&obj->kref);
  obj->context = dma_fence_context_alloc(1);
  std::strncpy(obj->name, name, sizeof(obj->name) - 1);
  INIT_LIST_HEAD(&obj->pt_list);
  spin_lock_init(&obj->lock);
  return obj;
}

void sync_timeline_get(struct sync_timeline* obj) { kref_get(&obj->kref); }

void sync_timeline_put(struct sync_timeline* obj) {
  kref_put(&obj->kref, sync_timeline_free);
}

struct sync_pt* sync_pt_create(struct sync_timeline* obj, unsigned int value) {
  auto* pt =
      static_cast<struct sync_pt*>(kzalloc(sizeof(struct sync_pt), GFP_KERNEL));
  if (!pt) return nullptr;
  sync_timeline_get(obj);
  dma_fence_init(&pt->base, &timeline_fence_ops, &obj->lock, obj->context,
                 value);
  INIT_LIST_HEAD(&pt->link);

  spin_lock_irq(&obj->lock);
  if (!dma_fence_is_signaled_locked(&pt->base)) {
    // Keep the list sorted; share a pending point of the same seqno.
    struct list_head* before = &obj->pt_list;
    struct sync_pt* other;
    list_for_each_entry(other, &obj->pt_list, link) {
      if (other->base.seqno == value &&
          dma_fence_get_unless_zero(&other->base)) {
        spin_unlock_irq(&obj->lock);
        // Never published: free it as the kernel does, without release.
        sync_timeline_put(obj);
        kfree(pt);
        return other;
      }
      if (seqno_is_later(other->base.seqno, value)) {
        before = &other->link;
        break;
      }
    }
    list_add_tail(&pt->link, before);
  }
  spin_unlock_irq(&obj->lock);
  return pt;
}

void sync_timeline_signal(struct sync_timeline* obj, unsigned int inc) {
  LIST_HEAD(signalled);
  spin_lock_irq(&obj->lock);
  obj->value.store(obj->value.load(std::memory_order_relaxed) + inc,
                   std::memory_order_relaxed);
  signal_reached_locked(obj, &signalled);
  spin_unlock_irq(&obj->lock);
  put_signalled(&signalled);
}

void sw_sync_release(struct sync_timeline* obj) {
  LIST_HEAD(signalled);
  spin_lock_irq(&obj->lock);
  struct sync_pt *pt, *next;
  list_for_each_entry_safe(pt, next, &obj->pt_list, link) {
    // A point being released (count 0) waits for this lock to unlink
    // itself: leave it alone.
    if (!dma_fence_get_unless_zero(&pt->base)) continue;
    dma_fence_set_error(&pt->base, -ENOENT);
    list_del(&pt->link);
    list_add_tail(&pt->link, &signalled);
    dma_fence_signal_locked(&pt->base);
  }
  spin_unlock_irq(&obj->lock);
  put_signalled(&signalled);
  sync_timeline_put(obj);
}

int sync_pt_get_deadline(struct dma_fence* fence, ktime_t* deadline) {
  struct sync_pt* pt = dma_fence_to_sync_pt(fence);
  if (!pt) return -EINVAL;
  int ret = 0;
  unsigned long flags;
  spin_lock_irqsave(fence->lock, flags);
  if (fence->flags.load() & (1ul << SW_SYNC_HAS_DEADLINE_BIT)) {
    *deadline = pt->deadline;
  } else {
    ret = -ENOENT;
  }
  spin_unlock_irqrestore(fence->lock, flags);
  return ret;
}
