// sync_file: a fence handed between processes, ported from Linux's
// drivers/dma-buf/sync_file.c. No file descriptors here: a sync_file is an
// object whose reference count stands for the file's (sync_file_put() is
// fput()), with the same fence rules: it holds one reference to its fence
// for its whole life, a merge holds the pending fences of both, and poll
// arms one callback that release removes.
#ifndef LOCKDEP_CORE_SYNC_FILE_H_
#define LOCKDEP_CORE_SYNC_FILE_H_

#include <sys/epoll.h>  // EPOLLIN

#include <atomic>

#include "core/dma-fence.h"
#include "core/kref.h"
#include "instrument/kernel.h"

struct sync_file {
  // The file's reference count.
  struct kref kref;
  // Set by sync_file_merge(); else the name is made from the fence.
  char user_name[32];
  // What poll waits on: completed (for all) when the fence signals.
  struct completion wq;
  // POLL_ENABLED once poll armed `cb`.
  std::atomic<unsigned long> flags;
  // The fence, with the file's reference.
  struct dma_fence* fence;
  struct dma_fence_cb cb;
};

enum { POLL_ENABLED = 0 };

// A new sync_file holding a reference to `fence` (the caller keeps its own),
// with one reference; NULL without memory.
struct sync_file* sync_file_create(struct dma_fence* fence);

// Another reference to the file (Linux: get_file()).
struct sync_file* sync_file_get(struct sync_file* sync_file);
// Drops a reference (Linux: fput()); the last removes poll's callback and
// drops the fence.
void sync_file_put(struct sync_file* sync_file);

// A reference to the fence the file holds (Linux takes the fd); NULL for
// NULL.
struct dma_fence* sync_file_get_fence(struct sync_file* sync_file);

// A new file with the pending fences of both (dma_fence_unwrap_merge(): the
// latest of each timeline), named `name`; `a` and `b` stay as they are.
// NULL without memory.
struct sync_file* sync_file_merge(const char* name, struct sync_file* a,
                                  struct sync_file* b);

// The file's name into buf[0..len): the merge's name, else
// "<driver>-<timeline><context>-<seqno>" of its fence. Returns buf.
char* sync_file_get_name(struct sync_file* sync_file, char* buf, int len);

// Linux's poll: arms (once) a callback that completes `wq` when the fence
// signals, and returns EPOLLIN when it has, else 0. Never sleeps.
unsigned int sync_file_poll(struct sync_file* sync_file);

// SYNC_IOC_SET_DEADLINE: dma_fence_set_deadline() on the file's fence.
void sync_file_set_deadline(struct sync_file* sync_file, ktime_t deadline);

#endif  // LOCKDEP_CORE_SYNC_FILE_H_
