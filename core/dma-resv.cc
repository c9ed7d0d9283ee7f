#include "core/dma-resv.h"

#include <algorithm>

#include "core/bug.h"
#include "instrument/kernel.h"

DEFINE_WD_CLASS(reservation_ww_class);

namespace {

// Linux's dma_resv_lockdep() (a subsys_initcall): records once, on an empty
// graph, the order the memory manager and every driver live by: the mmap
// lock (page faults) before reservation locks, reservation locks before
// memory reclaim (they are held around GFP_KERNEL allocations), and reclaim
// before fence waits (shrinkers wait for fences). With that in the graph, a
// GFP_KERNEL allocation or a dma_resv_lock() inside
// dma_fence_begin_signalling() closes a cycle the first time it runs, not
// only when memory runs short. Linux also takes i_mmap_rwsem and the
// mmu-notifier map here; user space has neither.
void dma_resv_lockdep() {
  struct mm_struct {
    struct rw_semaphore mmap_lock;
  } mm_storage, *mm = &mm_storage;
  init_rwsem(&mm->mmap_lock);
  struct dma_resv obj;
  dma_resv_init(&obj);
  struct ww_acquire_ctx ctx;

  down_read(&mm->mmap_lock);
  ww_acquire_init(&ctx, &reservation_ww_class);
  if (dma_resv_lock(&obj, &ctx) == -EDEADLK) dma_resv_lock_slow(&obj, &ctx);
  fs_reclaim_acquire(GFP_KERNEL);
  dma_fence_might_wait();
  fs_reclaim_release(GFP_KERNEL);
  dma_resv_unlock(&obj);
  ww_acquire_fini(&ctx);
  up_read(&mm->mmap_lock);
  dma_resv_fini(&obj);
}

// Before main(), as Linux's initcall (the library is alwayslink), and again
// after every ResetForTesting().
[[maybe_unused]] const bool dma_resv_lockdep_registered =
    (lockdep_register_priming(dma_resv_lockdep), true);

}  // namespace

struct dma_resv_fence_entry {
  struct dma_fence* fence;
  enum dma_resv_usage usage;
};

// A fixed-capacity table; replaced, never grown in place, so a reader that
// copied an entry under fences_lock is never left with a dangling table.
struct dma_resv_list {
  u32 num_fences;
  // Slots reserved for the current holder of the lock: as Linux with
  // CONFIG_DEBUG_MUTEXES, cut back to num_fences at every unlock, so a
  // reservation lasts one locked section.
  u32 max_fences;
  u32 capacity;  // slots allocated
  struct dma_resv_fence_entry table[];
};

namespace {

struct dma_resv_list* dma_resv_list_alloc(unsigned int max_fences) {
  auto* list = static_cast<struct dma_resv_list*>(
      kmalloc(sizeof(struct dma_resv_list) +
                  max_fences * sizeof(struct dma_resv_fence_entry),
              GFP_KERNEL));
  if (!list) return nullptr;
  list->num_fences = 0;
  list->max_fences = max_fences;
  list->capacity = max_fences;
  return list;
}

// The n-th fence up to `usage` of an object not locked by this thread, with a
// reference, or NULL past the end. `seen` is the table `index` counts in:
// when the table was replaced since (signalled fences dropped, so entries
// moved), the walk starts over, as Linux's unlocked iterator does.
struct dma_fence* get_fence_unlocked(struct dma_resv* obj,
                                     enum dma_resv_usage usage,
                                     unsigned int* index,
                                     struct dma_resv_list** seen) {
  struct dma_fence* fence = nullptr;
  unsigned long flags;
  spin_lock_irqsave(&obj->fences_lock, flags);
  struct dma_resv_list* list = obj->fences;
  if (list != *seen) {
    *seen = list;
    *index = 0;
  }
  while (list && *index < list->num_fences) {
    const struct dma_resv_fence_entry& e = list->table[(*index)++];
    if (e.usage <= usage) {
      fence = dma_fence_get(e.fence);
      break;
    }
  }
  spin_unlock_irqrestore(&obj->fences_lock, flags);
  return fence;
}

// Only lock holders read max_fences, so no fences_lock.
void reset_max_fences(struct dma_resv* obj) {
  if (struct dma_resv_list* list = obj->fences) {
    list->max_fences = list->num_fences;
  }
}

}  // namespace

void dma_resv_init(struct dma_resv* obj) {
  ww_mutex_init(&obj->lock, &reservation_ww_class);
  spin_lock_init(&obj->fences_lock);
  obj->fences = nullptr;
}

void dma_resv_fini(struct dma_resv* obj) {
  struct dma_resv_list* list = obj->fences;
  obj->fences = nullptr;
  if (list) {
    for (u32 i = 0; i < list->num_fences; ++i)
      dma_fence_put(list->table[i].fence);
    kfree(list);
  }
  ww_mutex_destroy(&obj->lock);
}

int dma_resv_lock(struct dma_resv* obj, struct ww_acquire_ctx* ctx) {
  return ww_mutex_lock(&obj->lock, ctx);
}

int dma_resv_lock_interruptible(struct dma_resv* obj,
                                struct ww_acquire_ctx* ctx) {
  return ww_mutex_lock_interruptible(&obj->lock, ctx);
}

void dma_resv_lock_slow(struct dma_resv* obj, struct ww_acquire_ctx* ctx) {
  ww_mutex_lock_slow(&obj->lock, ctx);
}

int dma_resv_lock_slow_interruptible(struct dma_resv* obj,
                                     struct ww_acquire_ctx* ctx) {
  return ww_mutex_lock_slow_interruptible(&obj->lock, ctx);
}

bool dma_resv_trylock(struct dma_resv* obj) {
  return ww_mutex_trylock(&obj->lock, nullptr) != 0;
}

void dma_resv_unlock(struct dma_resv* obj) {
  // An unlock by a thread not holding the lock is the unlock's report (bad
  // unlock balance) alone; the fences are not this thread's to touch.
  if (dma_resv_held(obj)) reset_max_fences(obj);
  ww_mutex_unlock(&obj->lock);
}

void dma_resv_reset_max_fences(struct dma_resv* obj) {
  dma_resv_assert_held(obj);
  reset_max_fences(obj);
}

bool dma_resv_is_locked(struct dma_resv* obj) {
  return ww_mutex_is_locked(&obj->lock);
}

struct ww_acquire_ctx* dma_resv_locking_ctx(struct dma_resv* obj) {
  return obj->lock.ctx.load(std::memory_order_relaxed);
}

int dma_resv_reserve_fences(struct dma_resv* obj, unsigned int num_fences) {
  dma_resv_assert_held(obj);
  struct dma_resv_list* old = obj->fences;
  unsigned int max = 4;
  if (old) {
    const u32 want = old->num_fences + num_fences;
    if (want <= old->max_fences) return 0;
    if (want <= old->capacity) {
      old->max_fences = want;
      return 0;
    }
    max = std::max(want, old->capacity * 2);
  } else {
    max = std::max(max, num_fences);
  }
  struct dma_resv_list* list = dma_resv_list_alloc(max);
  if (!list) return -ENOMEM;
  // Signalled fences are not carried over: nobody needs to wait for them.
  // Writers hold the reservation lock, so only readers can race with this.
  // The new table takes its own references; the old one's all go below.
  for (u32 i = 0; old && i < old->num_fences; ++i) {
    const struct dma_resv_fence_entry& e = old->table[i];
    if (!dma_fence_is_signaled(e.fence)) {
      list->table[list->num_fences++] = {dma_fence_get(e.fence), e.usage};
    }
  }
  unsigned long flags;
  spin_lock_irqsave(&obj->fences_lock, flags);
  obj->fences = list;
  spin_unlock_irqrestore(&obj->fences_lock, flags);
  // Readers copy entries under fences_lock, so none can still use `old`.
  for (u32 i = 0; old && i < old->num_fences; ++i) {
    dma_fence_put(old->table[i].fence);
  }
  kfree(old);
  return 0;
}

void dma_resv_add_fence(struct dma_resv* obj, struct dma_fence* fence,
                        enum dma_resv_usage usage) {
  dma_resv_assert_held(obj);
  struct dma_resv_list* list = obj->fences;
  // No dma_resv_reserve_fences() in this locked section: Linux BUGs.
  if (BUG_ON(!list)) return;
  // Decided without fences_lock: writers are serialised by the reservation
  // lock, and dma_fence_is_signaled() may signal (taking the fence's lock),
  // which must not nest inside fences_lock.
  u32 slot = list->num_fences;
  for (u32 i = 0; i < list->num_fences; ++i) {
    const struct dma_resv_fence_entry& e = list->table[i];
    // An old fence of the timeline is covered by the new one only when
    // waiting for the new fence waits for it too: the new fence is not
    // earlier, and nobody waits for the new usage without waiting for the
    // old one (a READ fence must not hide the timeline's WRITE fence).
    if ((e.fence->context == fence->context && e.usage >= usage &&
         dma_fence_is_later_or_same(fence, e.fence)) ||
        dma_fence_is_signaled(e.fence)) {
      slot = i;
      break;
    }
  }
  if (slot == list->num_fences && BUG_ON(slot >= list->max_fences)) return;
  struct dma_fence* old =
      slot < list->num_fences ? list->table[slot].fence : nullptr;
  dma_fence_get(fence);
  unsigned long flags;
  spin_lock_irqsave(&obj->fences_lock, flags);
  list->table[slot] = {fence, usage};
  if (slot == list->num_fences) list->num_fences++;
  spin_unlock_irqrestore(&obj->fences_lock, flags);
  dma_fence_put(old);
}

bool dma_resv_test_signaled(struct dma_resv* obj, enum dma_resv_usage usage) {
  unsigned int index = 0;
  struct dma_resv_list* seen = nullptr;
  while (struct dma_fence* fence =
             get_fence_unlocked(obj, usage, &index, &seen)) {
    const bool signaled = dma_fence_is_signaled(fence);
    dma_fence_put(fence);
    if (!signaled) return false;
  }
  return true;
}

long dma_resv_wait_timeout(struct dma_resv* obj, enum dma_resv_usage usage,
                           bool intr, unsigned long timeout) {
  long ret = timeout ? static_cast<long>(std::min<unsigned long>(
                           timeout, MAX_SCHEDULE_TIMEOUT))
                     : 1;
  unsigned int index = 0;
  struct dma_resv_list* seen = nullptr;
  while (struct dma_fence* fence =
             get_fence_unlocked(obj, usage, &index, &seen)) {
    if (!dma_fence_is_signaled(fence)) {
      ret = dma_fence_wait_timeout(fence, intr, ret);
    }
    dma_fence_put(fence);
    if (ret <= 0) break;
  }
  return ret;
}

void dma_resv_iter_begin(struct dma_resv_iter* cursor, struct dma_resv* obj,
                         enum dma_resv_usage usage) {
  cursor->obj = obj;
  cursor->usage = usage;
  cursor->fence = nullptr;
  cursor->fence_usage = DMA_RESV_USAGE_KERNEL;
  cursor->index = 0;
}

struct dma_fence* dma_resv_iter_next(struct dma_resv_iter* cursor) {
  dma_resv_assert_held(cursor->obj);
  struct dma_resv_list* list = cursor->obj->fences;
  cursor->fence = nullptr;
  while (list && cursor->index < list->num_fences) {
    const struct dma_resv_fence_entry& e = list->table[cursor->index++];
    if (e.usage <= cursor->usage) {
      cursor->fence = e.fence;
      cursor->fence_usage = e.usage;
      break;
    }
  }
  return cursor->fence;
}

struct dma_fence* dma_resv_iter_first(struct dma_resv_iter* cursor) {
  cursor->index = 0;
  return dma_resv_iter_next(cursor);
}
