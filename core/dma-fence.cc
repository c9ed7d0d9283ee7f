#include "core/dma-fence.h"

#include <algorithm>
#include <atomic>

#include "core/bug.h"
#include "instrument/kernel.h"

namespace {

// The "lock" every signalling section holds (for read) and every wait takes
// (for write), as Linux's dma_fence_lockdep_map: a lock taken inside a
// signalling section and held around a wait closes a cycle through it.
lockdep_map dma_fence_lockdep_map = LOCKDEP_MAP_STATIC_INIT("dma_fence_map");

std::atomic<u64> dma_fence_context_counter{1};

bool test_bit(int nr, const std::atomic<unsigned long>* flags) {
  return flags->load(std::memory_order_acquire) & (1ul << nr);
}

bool test_and_set_bit(int nr, std::atomic<unsigned long>* flags) {
  return flags->fetch_or(1ul << nr, std::memory_order_acq_rel) & (1ul << nr);
}

void set_bit(int nr, std::atomic<unsigned long>* flags) {
  flags->fetch_or(1ul << nr, std::memory_order_release);
}

// The locks of the fences whose callbacks this thread is running, oldest
// first: a fence signalled from such a callback nests its lock inside them.
constexpr int kMaxSignalNesting = 8;  // lockdep's subclasses
thread_local spinlock_t* running_signallers[kMaxSignalNesting];
thread_local int running_signaller_count = 0;

// How deep the fence lock nests in the fence locks this thread holds for
// running callbacks: one level per held lock of its class, 0 when the very
// lock is among them (a real self-deadlock, left for lockdep to report).
unsigned int signal_nesting_subclass(spinlock_t* lock) {
  unsigned int subclass = 0;
  const int n = std::min(running_signaller_count, kMaxSignalNesting);
  for (int i = 0; i < n; ++i) {
    spinlock_t* held = running_signallers[i];
    if (held == lock) return 0;
    if (held->dep_map.key == lock->dep_map.key) ++subclass;
  }
  return std::min(subclass, static_cast<unsigned int>(kMaxSignalNesting - 1));
}

// Linux's in_atomic(): a signalling section there cannot sleep, and the
// sleep checks already cover it. User space has no preempt count; the
// simulated interrupt state is what there is.
bool in_atomic() { return in_interrupt() || irqs_disabled(); }

// Initialises the fence's own lock. One call site, so every in-place fence
// lock is one lock class.
void init_inplace_lock(struct dma_fence* fence) {
  spin_lock_init(&fence->__lock_inplace);
}

// Caller holds the fence lock. false when the fence is already signalled
// (also when enable_signaling said so and it was signalled here).
bool __dma_fence_enable_signaling(struct dma_fence* fence) {
  dma_fence_assert_held(fence);
  const bool was_set =
      test_and_set_bit(DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT, &fence->flags);
  if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) return false;
  if (!was_set && fence->ops->enable_signaling &&
      !fence->ops->enable_signaling(fence)) {
    dma_fence_signal_locked(fence);
    return false;
  }
  return true;
}

void dma_fence_release(struct kref* kref) {
  struct dma_fence* fence = container_of(kref, struct dma_fence, refcount);
  // A fence released with callbacks still waiting would leave them waiting
  // for ever: signal it with an error, as Linux does. Nobody else holds a
  // reference, so the list may be read without the lock.
  if (WARN_ON(!list_empty(&fence->cb_list) &&
              !test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags))) {
    unsigned long flags;
    dma_fence_lock_irqsave(fence, flags);
    fence->error = -EDEADLK;
    dma_fence_signal_locked(fence);
    dma_fence_unlock_irqrestore(fence, flags);
  }
  if (fence->ops->release) {
    fence->ops->release(fence);
  } else {
    dma_fence_free(fence);
  }
}

struct default_wait_cb {
  struct dma_fence_cb base;
  struct completion done;
};

void dma_fence_default_wait_cb(struct dma_fence*, struct dma_fence_cb* cb) {
  complete(&container_of(cb, struct default_wait_cb, base)->done);
}

}  // namespace

void dma_fence_init(struct dma_fence* fence, const struct dma_fence_ops* ops,
                    spinlock_t* lock, u64 context, u64 seqno) {
  WARN_ON(!ops || !ops->get_driver_name || !ops->get_timeline_name);
  if (lock == nullptr) {
    init_inplace_lock(fence);
    lock = &fence->__lock_inplace;
  }
  kref_init(&fence->refcount);
  fence->ops = ops;
  INIT_LIST_HEAD(&fence->cb_list);
  fence->lock = lock;
  fence->timestamp = 0;
  fence->context = context;
  fence->seqno = seqno;
  fence->flags.store(0, std::memory_order_relaxed);
  fence->error = 0;
}

void dma_fence_inplace_lock_init(struct dma_fence* fence,
                                 const struct dma_fence_ops* ops, u64 context,
                                 u64 seqno) {
  dma_fence_init(fence, ops, nullptr, context, seqno);
}

__attribute__((noinline)) unsigned long __dma_fence_lock_irqsave(
    struct dma_fence* fence) {
  spinlock_t* lock = dma_fence_spinlock(fence);
  unsigned long flags;
  local_irq_save(flags);
  spin_lock_nested(lock, signal_nesting_subclass(lock));
  return flags;
}

u64 dma_fence_context_alloc(unsigned num) {
  WARN_ON(!num);
  return dma_fence_context_counter.fetch_add(num, std::memory_order_relaxed);
}

struct dma_fence* dma_fence_get(struct dma_fence* fence) {
  if (fence) kref_get(&fence->refcount);
  return fence;
}

void dma_fence_put(struct dma_fence* fence) {
  if (fence) kref_put(&fence->refcount, dma_fence_release);
}

void dma_fence_free(struct dma_fence* fence) { kfree(fence); }

// ---------------------------------------------------------------------------
// Signalling annotations, as Linux's: a section is a successful read trylock
// of the map (so it adds no dependency on the locks already held, but every
// lock taken inside depends on it); a wait is a write acquire and release
// (so every lock held around a wait comes before it).

__attribute__((noinline)) bool dma_fence_begin_signalling() {
  // Nested sections are one section.
  if (lock_is_held_type(&dma_fence_lockdep_map, 1)) return true;
  // Atomic context cannot wait anyway, and the sleep checks cover it.
  if (in_atomic()) return true;
  lock_acquire(&dma_fence_lockdep_map, 0, /*trylock=*/1,
               kLockdepReadNonRecursive, /*check=*/1, nullptr, LOCKDEP_RET_IP);
  return false;
}

__attribute__((noinline)) void dma_fence_end_signalling(bool cookie) {
  if (cookie) return;
  lock_release(&dma_fence_lockdep_map, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void dma_fence_might_wait() {
  const unsigned long ip = LOCKDEP_RET_IP;
  // A signalling section may wait for other fences (that is how fences
  // chain); only the locks held around the wait matter, so step out of it.
  const bool in_section = lock_is_held_type(&dma_fence_lockdep_map, 1);
  if (in_section) lock_release(&dma_fence_lockdep_map, ip);
  lock_acquire(&dma_fence_lockdep_map, 0, 0, kLockdepWrite, 1, nullptr, ip);
  lock_release(&dma_fence_lockdep_map, ip);
  if (in_section) {
    lock_acquire(&dma_fence_lockdep_map, 0, 1, kLockdepReadNonRecursive, 1,
                 nullptr, ip);
  }
}

// ---------------------------------------------------------------------------

int dma_fence_signal_timestamp_locked(struct dma_fence* fence,
                                      ktime_t timestamp) {
  dma_fence_assert_held(fence);
  if (test_and_set_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
    return -EINVAL;
  }
  // Run the callbacks from a private list: each is unlinked before it runs,
  // so a callback may free its own dma_fence_cb and none runs twice.
  struct list_head cb_list;
  list_replace_init(&fence->cb_list, &cb_list);
  fence->timestamp = timestamp;
  set_bit(DMA_FENCE_FLAG_TIMESTAMP_BIT, &fence->flags);
  struct dma_fence_cb *cur, *tmp;
  if (running_signaller_count < kMaxSignalNesting) {
    running_signallers[running_signaller_count] = dma_fence_spinlock(fence);
  }
  ++running_signaller_count;
  list_for_each_entry_safe(cur, tmp, &cb_list, node) {
    INIT_LIST_HEAD(&cur->node);
    cur->func(fence, cur);
  }
  --running_signaller_count;
  return 0;
}

int dma_fence_signal_locked(struct dma_fence* fence) {
  return dma_fence_signal_timestamp_locked(fence, ktime_get());
}

int dma_fence_signal_timestamp(struct dma_fence* fence, ktime_t timestamp) {
  if (!fence) return -EINVAL;
  const bool cookie = dma_fence_begin_signalling();
  unsigned long flags;
  dma_fence_lock_irqsave(fence, flags);
  const int ret = dma_fence_signal_timestamp_locked(fence, timestamp);
  dma_fence_unlock_irqrestore(fence, flags);
  dma_fence_end_signalling(cookie);
  return ret;
}

int dma_fence_signal(struct dma_fence* fence) {
  return dma_fence_signal_timestamp(fence, ktime_get());
}

bool dma_fence_is_signaled_locked(struct dma_fence* fence) {
  // The lock matters only for signalling, which asserts it.
  if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) return true;
  if (fence->ops->signaled && fence->ops->signaled(fence)) {
    dma_fence_signal_locked(fence);
    return true;
  }
  return false;
}

bool dma_fence_is_signaled(struct dma_fence* fence) {
  if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) return true;
  if (fence->ops->signaled && fence->ops->signaled(fence)) {
    dma_fence_signal(fence);
    return true;
  }
  return false;
}

int dma_fence_get_status_locked(struct dma_fence* fence) {
  if (dma_fence_is_signaled_locked(fence)) {
    return fence->error ? fence->error : 1;
  }
  return 0;
}

int dma_fence_get_status(struct dma_fence* fence) {
  unsigned long flags;
  dma_fence_lock_irqsave(fence, flags);
  const int status = dma_fence_get_status_locked(fence);
  dma_fence_unlock_irqrestore(fence, flags);
  return status;
}

void dma_fence_set_error(struct dma_fence* fence, int error) {
  WARN_ON(test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags));
  WARN_ON(error >= 0 || error < -MAX_ERRNO);
  fence->error = error;
}

int dma_fence_add_callback(struct dma_fence* fence, struct dma_fence_cb* cb,
                           dma_fence_func_t func) {
  if (WARN_ON(!fence || !func)) return -EINVAL;
  if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
    INIT_LIST_HEAD(&cb->node);
    return -ENOENT;
  }
  unsigned long flags;
  int ret = 0;
  dma_fence_lock_irqsave(fence, flags);
  if (__dma_fence_enable_signaling(fence)) {
    cb->func = func;
    list_add_tail(&cb->node, &fence->cb_list);
  } else {
    INIT_LIST_HEAD(&cb->node);
    ret = -ENOENT;
  }
  dma_fence_unlock_irqrestore(fence, flags);
  return ret;
}

bool dma_fence_remove_callback(struct dma_fence* fence,
                               struct dma_fence_cb* cb) {
  unsigned long flags;
  dma_fence_lock_irqsave(fence, flags);
  // A zeroed callback that was never added (node.next == NULL) is not
  // pending either: Linux's header promises false for it.
  const bool pending = cb->node.next != nullptr && !list_empty(&cb->node);
  if (pending) list_del_init(&cb->node);
  dma_fence_unlock_irqrestore(fence, flags);
  return pending;
}

void dma_fence_enable_sw_signaling(struct dma_fence* fence) {
  unsigned long flags;
  dma_fence_lock_irqsave(fence, flags);
  __dma_fence_enable_signaling(fence);
  dma_fence_unlock_irqrestore(fence, flags);
}

signed long dma_fence_default_wait(struct dma_fence* fence, bool /*intr*/,
                                   signed long timeout) {
  signed long ret = timeout ? timeout : 1;
  struct default_wait_cb cb;
  unsigned long flags;
  dma_fence_lock_irqsave(fence, flags);
  if (test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags)) {
    dma_fence_unlock_irqrestore(fence, flags);
    return ret;
  }
  if (timeout == 0) {
    dma_fence_unlock_irqrestore(fence, flags);
    return 0;
  }
  init_completion(&cb.done);
  // One class for every fence's wait: judged by the fence annotations
  // instead (dma_fence_might_wait, dma_fence_begin_signalling).
  lockdep_event_exclude(&cb.done.dep_map);
  cb.base.func = dma_fence_default_wait_cb;
  list_add(&cb.base.node, &fence->cb_list);
  dma_fence_unlock_irqrestore(fence, flags);

  const unsigned long left = wait_for_completion_timeout(
      &cb.done, static_cast<unsigned long>(timeout));

  // The signaller unlinks and completes `cb` under the fence lock, so once
  // this thread holds the lock, `cb` (on this stack) is no longer touched.
  dma_fence_lock_irqsave(fence, flags);
  if (!list_empty(&cb.base.node)) list_del(&cb.base.node);
  const bool signaled = test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, &fence->flags);
  dma_fence_unlock_irqrestore(fence, flags);
  if (timeout == MAX_SCHEDULE_TIMEOUT) return timeout;
  if (!signaled) return 0;
  return left > 0 ? static_cast<signed long>(left) : 1;
}

__attribute__((noinline)) signed long dma_fence_wait_timeout(
    struct dma_fence* fence, bool intr, signed long timeout) {
  if (WARN_ON(timeout < 0)) return -EINVAL;
  lockdep_might_sleep(__FILE__, __LINE__, LOCKDEP_RET_IP);
  dma_fence_might_wait();
  dma_fence_enable_sw_signaling(fence);
  if (fence->ops->wait) return fence->ops->wait(fence, intr, timeout);
  return dma_fence_default_wait(fence, intr, timeout);
}

signed long dma_fence_wait(struct dma_fence* fence, bool intr) {
  const signed long ret =
      dma_fence_wait_timeout(fence, intr, MAX_SCHEDULE_TIMEOUT);
  return ret < 0 ? ret : 0;
}

bool dma_fence_is_later(struct dma_fence* f1, struct dma_fence* f2) {
  if (WARN_ON(f1->context != f2->context)) return false;
  if (f1->ops->use_64bit_seqno) return f1->seqno > f2->seqno;
  // 32-bit seqnos wrap: later means less than half the space ahead.
  return static_cast<int32_t>(static_cast<u32>(f1->seqno) -
                              static_cast<u32>(f2->seqno)) > 0;
}

bool dma_fence_is_later_or_same(struct dma_fence* f1, struct dma_fence* f2) {
  return f1 == f2 || dma_fence_is_later(f1, f2);
}
