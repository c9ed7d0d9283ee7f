// The driver's objects, kernel style: buffers, jobs, rings and the device.
// Shared by the submit ioctl (submit.cc), the scheduler (sched.cc) and the
// hardware with its interrupt handler (ring.cc).
#ifndef LOCKDEP_EXAMPLES_FAKEGPU_DRIVER_H_
#define LOCKDEP_EXAMPLES_FAKEGPU_DRIVER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/device.h"
#include "core/dma-buf.h"
#include "core/dma-fence-chain.h"
#include "core/dma-fence.h"
#include "core/dma-resv.h"
#include "core/sync_file.h"
#include "core/list.h"
#include "examples/fakegpu/fakegpu.h"
#include "instrument/kernel.h"

namespace fakegpu {

constexpr int kMaxJobBuffers = 8;

struct fakegpu_importer;  // prime.cc

// A buffer object: its memory is of no interest here, only its reservation
// object (the lock drivers take to use it, and its fences).
struct fakegpu_bo {
  struct dma_resv resv;
  int id;
  // Exported through dma-buf (prime.cc), or NULL. Its resv is `resv`.
  struct dma_buf* dmabuf;
  // Importers that cannot follow a move pinned it: eviction skips it.
  int pin_count;  // resv held
  long evictions;  // resv held
};

// One dependency of a job: a fence it must wait for, with the callback that
// counts it off.
struct fakegpu_dep {
  struct dma_fence_cb cb;
  struct dma_fence* fence;
  struct fakegpu_job* job;
};

// What the ring's hardware runs: its fence is signalled by the interrupt
// handler, under the ring lock it borrows.
struct fakegpu_hw_fence {
  struct dma_fence base;
  struct list_head node;  // on ring->hw_pending, ring lock held
  struct fakegpu_device* gdev;
  struct fakegpu_ring* ring;
  // Alive while this fence is on ring->hw_pending: the job's finished fence
  // is released only after this fence's callback ran.
  struct fakegpu_job* job;
  // When run_job handed it to the ring, or when the ring reset handed it
  // to the hardware again (monotonic); the timeout counts from here. Ring
  // lock held.
  u64 emitted_ns;
};

// A job, as drm_sched_job with its drm_sched_fence: `finished` is what the
// buffers and other jobs see; it signals from the hardware fence's callback.
struct fakegpu_job {
  struct dma_fence finished;  // in-place lock; released with the job
  struct fakegpu_ring* ring;
  struct fakegpu_hw_fence* hw;  // preallocated at submit (clean driver)
  struct dma_fence* hw_fence;   // what run_job returned, a reference
  struct dma_fence_cb hw_cb;
  struct list_head queue_node;  // on ring->run_queue
  std::atomic<int> deps_pending;
  int num_deps;
  struct fakegpu_dep* deps;
  struct fakegpu_bo* bos[kMaxJobBuffers];
  int num_bos;
};

// A wake-up for a thread: Linux's wait queue. Its lock is the kernel's
// internal one, which lockdep does not follow into the waits; here a
// std::mutex that the validator does not see stands in.
struct fakegpu_waitq {
  std::mutex lock;
  std::condition_variable cv;
};
void fakegpu_wake_up(struct fakegpu_waitq* wq);

struct fakegpu_ring {
  struct fakegpu_device* gdev;
  int index;
  char hw_name[16];     // "ring0": the hardware fences' timeline
  char sched_name[24];  // "ring0.finished"
  // The hardware side: the ring lock, irq-safe, the lock of every hardware
  // fence of the ring; the interrupt handler takes it.
  spinlock_t lock;
  struct list_head hw_pending;   // submitted hardware fences, seqno order
  u64 hw_context;
  u64 hw_seqno;                  // last emitted, ring lock held
  std::atomic<u64> hw_completed; // the seqno the "GPU" wrote back
  std::atomic<u64> hw_emitted;
  struct fakegpu_waitq hw_wq;
  // The seqnos at which the "GPU" hangs (a bad command stream), oldest
  // first: it completes nothing from the first of them on until the timeout
  // worker resets the ring. Under hw_wq.lock.
  std::deque<u64> hw_hangs;
  std::thread hw_thread;
  std::atomic<bool> hw_stop;  // after every scheduler drained
  // The scheduler side: jobs in submission order (Linux's lock-free
  // spsc_queue: the waitq's lock stands in), the finished fences' timeline.
  struct list_head run_queue;
  u64 sched_context;
  u64 sched_seqno;
  struct fakegpu_waitq sched_wq;
  std::thread sched_thread;
  std::atomic<bool> stop;  // no more submits: drain and end
};

struct fakegpu_device {
  Variant variant;
  bool validate;  // false: every device thread runs with lockdep_off()
  int num_rings;
  struct fakegpu_ring* rings;
  int num_bos;
  struct fakegpu_bo* bos;
  // The memory manager's LRU of buffers: run_job bumps its job's buffers,
  // the shrinker picks from it. A mutex, taken in the fence signalling
  // path, so never held around a fence wait.
  struct mutex lru_lock;
  long lru_bumps;  // lru_lock held
  // Held by the timeout worker while it recovers the rings, inside its
  // signalling section: never held around a fence wait.
  struct mutex reset_lock;
  std::atomic<u64> job_timeout_ns;  // how long a job may take
  int hang_every;  // every Nth hardware fence of a ring hangs (0: none)
  bool tdr_ticked;  // under tdr_wq.lock: the first tick is done
  std::thread tdr_thread;
  std::atomic<bool> tdr_stop;
  struct fakegpu_waitq tdr_wq;
  // Counters for Stats.
  std::atomic<long> jobs{0};
  std::atomic<long> finished_signalled{0};
  std::atomic<long> duplicate_signals{0};
  std::atomic<long> job_errors{0};
  std::atomic<long> jobs_released{0};
  std::atomic<long> hw_fences_released{0};
  std::atomic<long> dependencies{0};
  std::atomic<long> deadlock_backoffs{0};
  std::atomic<long> interrupts{0};
  std::atomic<long> evictions{0};
  std::atomic<long> tdr_ticks{0};
  std::atomic<long> timeouts{0};
  std::atomic<long> resubmitted{0};
  std::atomic<long> etime_errors{0};
  std::atomic<long> pinned_skips{0};
  // The buffers other devices import (prime.cc): a display scanning out
  // bos[0] (a static importer: the buffer is pinned for it) and a second
  // GPU using bos[1] (dynamic: it follows moves through move_notify).
  struct fakegpu_importer* display;
  struct fakegpu_importer* peer;
};

// device.cc: a device with its threads running, and its end. Create
// returns with every ring's scheduler and hardware thread and the timeout
// worker started, the worker's first tick done (so its locking is in the
// graph before any job). Destroy drains the rings (every job queued runs
// and signals), stops every thread, then frees the device and fills `s`.
struct fakegpu_device* fakegpu_device_create(const Options& options);
void fakegpu_device_destroy(struct fakegpu_device* gdev, Stats* s);

// submit.cc: the submit ioctl. Locks bos[0..n) (write[i]: written, else
// read), makes the job wait for their fences, queues it on `ring`, adds its
// finished fence to each. 0 or -ENOMEM.
int fakegpu_submit_ioctl(struct fakegpu_device* gdev, int ring,
                         struct fakegpu_bo** bos, const bool* write, int n,
                         struct dma_fence** out_fence);

// tdr.cc: the timeout worker and the wait ioctl.
void fakegpu_tdr_main(struct fakegpu_device* gdev);
u64 fakegpu_now_ns();
// Waits for `fence` (the submit's out fence). 0 or -ETIME.
int fakegpu_wait_ioctl(struct fakegpu_device* gdev, struct dma_fence* fence);

// sched.cc: the scheduler thread of a ring; the finished fences' ops.
void fakegpu_sched_main(struct fakegpu_ring* ring);
void fakegpu_job_init_finished(struct fakegpu_job* job);
void fakegpu_sched_wake_if_ready(struct fakegpu_job* job);

// evict.cc: the shrinker, as direct reclaim runs it (fs_reclaim held).
// Evicts every idle buffer it can trylock and nobody pinned, waiting for its
// fences and telling its dynamic importers it moved.
void fakegpu_shrink(struct fakegpu_device* gdev);

// prime.cc: dma-buf export of a buffer, a static and a dynamic importer.
// Export sets bo->dmabuf (bo->resv shared); NULL without memory.
struct dma_buf* fakegpu_bo_export(struct fakegpu_bo* bo);
// Attaches an importer of `bo` (static: mapped and pinned from now to
// fakegpu_importer_destroy; dynamic: mapped now and after each move, its
// mapping dropped by move_notify). Without bo->resv held. NULL on error.
struct fakegpu_importer* fakegpu_importer_create(struct fakegpu_bo* bo,
                                                 const char* name,
                                                 bool dynamic);
void fakegpu_importer_destroy(struct fakegpu_importer* imp);
// The importer uses the buffer: a dynamic one maps it again if a move took
// its mapping. Takes bo->resv. Returns false when it has no mapping.
bool fakegpu_importer_use(struct fakegpu_importer* imp);
struct fakegpu_importer_stats {
  long maps;          // exporter map_dma_buf calls for this importer
  long move_notifies;
  bool mapped;
};
struct fakegpu_importer_stats fakegpu_importer_stats(
    struct fakegpu_importer* imp);

// syncobj.cc: a user-visible timeline of sync points (drm_syncobj's
// timeline: a dma_fence_chain), and sync_file export of a fence.
struct fakegpu_syncobj {
  spinlock_t lock;
  struct dma_fence* fence;  // the newest node, or NULL; lock held
};
void fakegpu_syncobj_init(struct fakegpu_syncobj* syncobj);
void fakegpu_syncobj_fini(struct fakegpu_syncobj* syncobj);
// Adds `fence` as `point` (after every earlier point) with a new reference.
// 0 or -ENOMEM (allocates, so never under a lock reclaim may need).
int fakegpu_syncobj_add_point(struct fakegpu_syncobj* syncobj,
                              struct dma_fence* fence, u64 point);
// A reference to what `point` waits for (its chain node), or NULL when the
// point and everything before it signalled. -EINVAL as an ERR_PTR for a
// point not added yet.
struct dma_fence* fakegpu_syncobj_find_fence(struct fakegpu_syncobj* syncobj,
                                             u64 point);
// A sync_file holding `fence` (the caller keeps its reference); NULL
// without memory.
struct sync_file* fakegpu_fence_export_sync_file(struct dma_fence* fence);

// ring.cc: run_job's hardware part, the hardware thread, the interrupt.
struct fakegpu_hw_fence* fakegpu_hw_fence_alloc(struct fakegpu_device* gdev,
                                                gfp_t gfp);
struct dma_fence* fakegpu_ring_emit(struct fakegpu_ring* ring,
                                    struct fakegpu_hw_fence* hw);
void fakegpu_hw_main(struct fakegpu_ring* ring);
// True when the hardware of `ring` is stuck at `seqno` (it hung there).
bool fakegpu_ring_hung_at(struct fakegpu_ring* ring, u64 seqno);
// The ring reset: the hardware skips the hung seqno and runs what follows.
void fakegpu_ring_reset(struct fakegpu_ring* ring);
void fakegpu_job_done(struct dma_fence* hw, struct dma_fence_cb* cb);

}  // namespace fakegpu

#endif  // LOCKDEP_EXAMPLES_FAKEGPU_DRIVER_H_
