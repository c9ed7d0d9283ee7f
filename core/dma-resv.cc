#include "core/dma-resv.h"

#include <algorithm>

#include "core/bug.h"
#include "core/dma-fence-array.h"
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

// Puts every fence of a table no reader can reach any more, and frees it.
void dma_resv_list_free(struct dma_resv_list* list) {
  if (!list) return;
  for (u32 i = 0; i < list->num_fences; ++i) dma_fence_put(list->table[i].fence);
  kfree(list);
}

// Starts an unlocked walk over the object's current table. Caller holds
// fences_lock.
void iter_restart_unlocked(struct dma_resv_iter* cursor) {
  cursor->index = 0;
  cursor->fences = cursor->obj->fences;
  cursor->seq = cursor->obj->seq;
  cursor->num_fences = cursor->fences ? cursor->fences->num_fences : 0;
  cursor->is_restarted = true;
}

// Moves the cursor to the next unsignalled fence up to its usage (with a
// reference), or NULL. Linux walks under RCU; here each entry is read under
// fences_lock, and a replaced table restarts the walk. The signalled check
// runs outside fences_lock: it may signal, taking the fence's lock, which
// nests outside fences_lock (a callback may read the object).
void iter_walk_unlocked(struct dma_resv_iter* cursor, bool restart) {
  struct dma_resv* obj = cursor->obj;
  for (;;) {
    dma_fence_put(cursor->fence);
    cursor->fence = nullptr;
    unsigned long flags;
    spin_lock_irqsave(&obj->fences_lock, flags);
    // The table pointer alone could be a new table at a recycled address.
    if (restart || obj->fences != cursor->fences || obj->seq != cursor->seq) {
      iter_restart_unlocked(cursor);
    }
    restart = false;
    if (cursor->index < cursor->num_fences) {
      const struct dma_resv_fence_entry& e =
          cursor->fences->table[cursor->index++];
      cursor->fence = dma_fence_get(e.fence);
      cursor->fence_usage = e.usage;
    }
    spin_unlock_irqrestore(&obj->fences_lock, flags);
    if (!cursor->fence) return;
    if (cursor->fence_usage <= cursor->usage &&
        !dma_fence_is_signaled(cursor->fence)) {
      return;
    }
  }
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
  obj->seq = 0;
}

void dma_resv_fini(struct dma_resv* obj) {
  dma_resv_list_free(obj->fences);
  obj->fences = nullptr;
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
  obj->seq++;
  spin_unlock_irqrestore(&obj->fences_lock, flags);
  // Readers copy entries under fences_lock, so none can still use `old`.
  dma_resv_list_free(old);
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
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_iter_begin(&cursor, obj, usage);
  dma_resv_for_each_fence_unlocked(&cursor, fence) {
    dma_resv_iter_end(&cursor);
    return false;
  }
  dma_resv_iter_end(&cursor);
  return true;
}

long dma_resv_wait_timeout(struct dma_resv* obj, enum dma_resv_usage usage,
                           bool intr, unsigned long timeout) {
  long ret = timeout ? static_cast<long>(std::min<unsigned long>(
                           timeout, MAX_SCHEDULE_TIMEOUT))
                     : 1;
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_iter_begin(&cursor, obj, usage);
  dma_resv_for_each_fence_unlocked(&cursor, fence) {
    ret = dma_fence_wait_timeout(fence, intr, ret);
    if (ret <= 0) break;
  }
  dma_resv_iter_end(&cursor);
  return ret;
}

void dma_resv_iter_begin(struct dma_resv_iter* cursor, struct dma_resv* obj,
                         enum dma_resv_usage usage) {
  cursor->obj = obj;
  cursor->usage = usage;
  cursor->fence = nullptr;
  cursor->fence_usage = DMA_RESV_USAGE_KERNEL;
  cursor->index = 0;
  cursor->fences = nullptr;
  cursor->num_fences = 0;
  cursor->seq = 0;
  cursor->is_restarted = false;
}

struct dma_fence* dma_resv_iter_first_unlocked(struct dma_resv_iter* cursor) {
  iter_walk_unlocked(cursor, /*restart=*/true);
  return cursor->fence;
}

struct dma_fence* dma_resv_iter_next_unlocked(struct dma_resv_iter* cursor) {
  cursor->is_restarted = false;
  iter_walk_unlocked(cursor, /*restart=*/false);
  return cursor->fence;
}

int dma_resv_get_fences(struct dma_resv* obj, enum dma_resv_usage usage,
                        unsigned int* num_fences, struct dma_fence*** fences) {
  *num_fences = 0;
  *fences = nullptr;
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_iter_begin(&cursor, obj, usage);
  dma_resv_for_each_fence_unlocked(&cursor, fence) {
    if (dma_resv_iter_is_restarted(&cursor)) {
      // What was collected belongs to a table that is gone: start over,
      // with room for every entry of the new one.
      while (*num_fences) dma_fence_put((*fences)[--(*num_fences)]);
      kfree(*fences);
      *fences = static_cast<struct dma_fence**>(
          kmalloc((cursor.num_fences + 1) * sizeof(struct dma_fence*),
                  GFP_KERNEL));
      if (!*fences) {
        dma_resv_iter_end(&cursor);
        return -ENOMEM;
      }
    }
    (*fences)[(*num_fences)++] = dma_fence_get(fence);
  }
  dma_resv_iter_end(&cursor);
  return 0;
}

int dma_resv_get_singleton(struct dma_resv* obj, enum dma_resv_usage usage,
                           struct dma_fence** fence) {
  struct dma_fence** fences;
  unsigned int count;
  const int r = dma_resv_get_fences(obj, usage, &count, &fences);
  if (r) return r;
  if (count == 0) {
    kfree(fences);
    *fence = nullptr;
    return 0;
  }
  if (count == 1) {
    *fence = fences[0];
    kfree(fences);
    return 0;
  }
  // The array takes over `fences` and the references in it.
  struct dma_fence_array* array = dma_fence_array_create(
      static_cast<int>(count), fences, dma_fence_context_alloc(1), 1, false);
  if (!array) {
    while (count--) dma_fence_put(fences[count]);
    kfree(fences);
    return -ENOMEM;
  }
  *fence = &array->base;
  return 0;
}

int dma_resv_copy_fences(struct dma_resv* dst, struct dma_resv* src) {
  dma_resv_assert_held(dst);
  struct dma_resv_list* list = nullptr;
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_iter_begin(&cursor, src, DMA_RESV_USAGE_BOOKKEEP);
  dma_resv_for_each_fence_unlocked(&cursor, fence) {
    if (dma_resv_iter_is_restarted(&cursor)) {
      dma_resv_list_free(list);
      list = dma_resv_list_alloc(cursor.num_fences);
      if (!list) {
        dma_resv_iter_end(&cursor);
        return -ENOMEM;
      }
    }
    list->table[list->num_fences++] = {dma_fence_get(fence),
                                       dma_resv_iter_usage(&cursor)};
  }
  dma_resv_iter_end(&cursor);
  if (list) list->max_fences = list->num_fences;
  unsigned long flags;
  spin_lock_irqsave(&dst->fences_lock, flags);
  struct dma_resv_list* old = dst->fences;
  dst->fences = list;
  dst->seq++;
  spin_unlock_irqrestore(&dst->fences_lock, flags);
  dma_resv_list_free(old);
  return 0;
}

void dma_resv_replace_fences(struct dma_resv* obj, u64 context,
                             struct dma_fence* replacement,
                             enum dma_resv_usage usage) {
  dma_resv_assert_held(obj);
  struct dma_resv_list* list = obj->fences;
  for (u32 i = 0; list && i < list->num_fences; ++i) {
    struct dma_fence* old = list->table[i].fence;
    if (old->context != context) continue;
    dma_fence_get(replacement);
    unsigned long flags;
    spin_lock_irqsave(&obj->fences_lock, flags);
    list->table[i] = {replacement, usage};
    spin_unlock_irqrestore(&obj->fences_lock, flags);
    dma_fence_put(old);
  }
}

void dma_resv_describe(struct dma_resv* obj, FILE* s) {
  static const char* const usage[] = {"kernel", "write", "read", "bookkeep"};
  struct dma_resv_iter cursor;
  struct dma_fence* fence;
  dma_resv_for_each_fence(&cursor, obj, DMA_RESV_USAGE_READ, fence) {
    // Linux's layout: the usage, then the fence's own line, unspaced.
    std::fprintf(s, "\t%s fence:", usage[dma_resv_iter_usage(&cursor)]);
    dma_fence_describe(fence, s);
  }
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
