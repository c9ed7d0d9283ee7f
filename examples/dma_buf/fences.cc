// Fences: the lifetime bug of a borrowed fence lock (the RFC that proposed
// dma_fence_inplace_lock_init()) and its fix, and a fence wait under a lock
// that the signalling path needs.
#include <thread>

#include "absl/strings/str_format.h"
#include "core/dma-fence.h"
#include "examples/dma_buf/scenarios.h"
#include "examples/scenario.h"
#include "instrument/kernel.h"

namespace examples::dma {
namespace {

const char* driver_name(struct dma_fence*) { return "accel"; }
const char* timeline_name(struct dma_fence*) { return "ops"; }

const struct dma_fence_ops accel_fence_ops = {
    .get_driver_name = driver_name,
    .get_timeline_name = timeline_name,
};

// A short-lived operation of an accelerator driver: it creates an out fence,
// executes, signals the fence and is freed. User space holds on to the fence
// (a sync_file) for as long as it likes.
struct operation {
  spinlock_t lock;  // the operation's own state; lent to the fence, or not
  struct dma_fence* out_fence;
};

struct operation* operation_create(bool inplace_fence_lock, u64 context) {
  auto* op = static_cast<struct operation*>(
      kzalloc(sizeof(struct operation), GFP_KERNEL));
  spin_lock_init(&op->lock);
  op->out_fence = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  if (inplace_fence_lock) {
    dma_fence_inplace_lock_init(op->out_fence, &accel_fence_ops, context, 1);
  } else {
    dma_fence_init(op->out_fence, &accel_fence_ops, &op->lock, context, 1);
  }
  return op;
}

// Runs on the "hardware" thread: execute, signal, free the operation.
void operation_execute_and_free(struct operation* op) {
  dma_fence_signal(op->out_fence);
  dma_fence_put(op->out_fence);
  kfree(op);
}

int FenceOutlivesOperation(bool inplace_fence_lock) {
  struct operation* op =
      operation_create(inplace_fence_lock, dma_fence_context_alloc(1));
  // User space imports the out fence: its own reference.
  struct dma_fence* imported = dma_fence_get(op->out_fence);
  std::thread hardware([op] { operation_execute_and_free(op); });
  hardware.join();
  // Later, user space polls the fence: dma_fence_get_status() takes the
  // fence's lock.
  const int status = dma_fence_get_status(imported);
  Say(absl::StrFormat("  the imported fence's status: %d (1 = signalled)\n",
                      status));
  dma_fence_put(imported);
  return status == 1 ? 0 : 1;
}

// A GPU scheduler: jobs are retired from the pending list under sched.lock
// when they complete, which signals their fence.
struct scheduler {
  struct mutex lock;
};
struct scheduler sched;

void job_complete(struct dma_fence* fence) {
  const bool cookie = dma_fence_begin_signalling();
  mutex_lock(&sched.lock);  // retire the job
  mutex_unlock(&sched.lock);
  dma_fence_signal(fence);
  dma_fence_end_signalling(cookie);
}

}  // namespace

int FenceBorrowedLock() { return FenceOutlivesOperation(false); }
int FenceInplaceLock() { return FenceOutlivesOperation(true); }

int FenceWaitUnderLock() {
  mutex_init(&sched.lock);
  auto* previous = static_cast<struct dma_fence*>(
      kzalloc(sizeof(struct dma_fence), GFP_KERNEL));
  dma_fence_init(previous, &accel_fence_ops, nullptr,
                 dma_fence_context_alloc(1), 1);
  // The previous job completes on the scheduler's worker.
  std::thread worker([previous] { job_complete(previous); });
  worker.join();
  // Submission throttles by waiting for the previous job, holding sched.lock.
  // The fence is signalled, so this returns at once; had the job still been
  // running, its completion would have blocked on sched.lock for ever.
  mutex_lock(&sched.lock);
  const long ret = dma_fence_wait(previous, true);
  mutex_unlock(&sched.lock);
  dma_fence_put(previous);
  Say(absl::StrFormat("  the wait returned %ld at once: nothing hung today\n",
                      ret));
  return ret == 0 ? 0 : 1;
}

}  // namespace examples::dma
