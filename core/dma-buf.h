// dma-buf: a buffer shared between an exporter (the driver that owns the
// memory) and importers (devices attached to it), ported from Linux's
// drivers/dma-buf/dma-buf.c onto the lockdep runtime, with the locking
// convention of "dma-buf: change DMA-buf locking convention v2" and its
// review folded in:
//
//  - The reservation object (dmabuf->resv) protects the attachment list and
//    the name; the debug listing takes it before printing the name.
//  - Exporters and importers each say whether they are *dynamic*: a dynamic
//    importer calls dma_buf_map_attachment()/unmap with the reservation lock
//    held, a dynamic exporter's map_dma_buf()/unmap_dma_buf() are called with
//    it held; static ones call and are called without it.
//  - When importer and exporter disagree, neither convention can serve both,
//    so the mapping is made at attach time (under the reservation lock if the
//    exporter is dynamic), cached, handed out by every map and released at
//    detach: the exporter's map and unmap then run once each. A static
//    importer cannot follow moves, so a dynamic exporter's buffer is pinned
//    for it (ops->pin) from attach to detach, as in Linux.
//  - Dynamic importers give move_notify (struct dma_buf_attach_ops), as
//    Linux requires; dma_buf_pin()/dma_buf_unpin() let them stop moves.
//  - Every map/unmap checks the convention with lockdep: a dynamic
//    attachment asserts the lock is held; before calling the exporter, a
//    dynamic exporter asserts it is held and a static exporter asserts it is
//    NOT held (lockdep_assert_not_held, in map and in unmap). A broken
//    convention is reported the first time it runs, whether or not it ever
//    deadlocks.
//
// Lock order: dmabuf->lock (attach/detach/vmap) before dmabuf->resv; the
// global buffer list lock before dmabuf->resv.
#ifndef LOCKDEP_CORE_DMA_BUF_H_
#define LOCKDEP_CORE_DMA_BUF_H_

#include <cstddef>
#include <cstdio>

#include "core/delayed-fput.h"
#include "core/device.h"
#include "core/dma-direction.h"
#include "core/dma-resv.h"
#include "core/kref.h"
#include "core/list.h"
#include "core/scatterlist.h"
#include "instrument/kernel.h"

struct dma_buf;
struct dma_buf_attachment;

// What an exporter provides. Members in this order, so C++20 designated
// initialisers work.
struct dma_buf_ops {
  // Cache the first mapping of each attachment until detach. Exclusive with
  // dynamic_mapping (dma_buf_export() refuses both).
  bool cache_sgt_mapping = {};
  // map_dma_buf/unmap_dma_buf are called with dmabuf->resv locked (else
  // always without it).
  bool dynamic_mapping = {};
  // Optional: a device attaches; non-zero refuses it. dmabuf->lock held.
  int (*attach)(struct dma_buf* dmabuf, struct dma_buf_attachment* attach) = {};
  // Optional: a device detaches. dmabuf->lock held.
  void (*detach)(struct dma_buf* dmabuf,
                 struct dma_buf_attachment* attach) = {};
  // Optional, both or neither: keep the buffer where it is (no move, so no
  // move_notify) until unpin; for importers that cannot follow moves.
  // dmabuf->resv held. pin returns 0 or -errno.
  int (*pin)(struct dma_buf_attachment* attach) = {};
  void (*unpin)(struct dma_buf_attachment* attach) = {};
  // Required: the buffer mapped for attach->dev, or an ERR_PTR (NULL counts
  // as -ENOMEM).
  struct sg_table* (*map_dma_buf)(struct dma_buf_attachment* attach,
                                  enum dma_data_direction dir) = {};
  // Required: undoes one map_dma_buf().
  void (*unmap_dma_buf)(struct dma_buf_attachment* attach, struct sg_table* sgt,
                        enum dma_data_direction dir) = {};
  // Required: the last reference is gone; free the exporter's data.
  void (*release)(struct dma_buf* dmabuf) = {};
  // Optional: the CPU starts / ends accessing the buffer.
  int (*begin_cpu_access)(struct dma_buf* dmabuf,
                          enum dma_data_direction dir) = {};
  int (*end_cpu_access)(struct dma_buf* dmabuf,
                        enum dma_data_direction dir) = {};
  // Optional: a kernel virtual address of the whole buffer, and its undoing.
  void* (*vmap)(struct dma_buf* dmabuf) = {};
  void (*vunmap)(struct dma_buf* dmabuf, void* vaddr) = {};
};

struct dma_buf {
  size_t size;
  // Every dma_buf_attachment; under resv.
  struct list_head attachments;
  const struct dma_buf_ops* ops;
  // Serialises attach/detach callbacks and vmap/vunmap.
  struct mutex lock;
  unsigned int vmapping_counter;  // under lock
  void* vmap_ptr;                 // under lock
  const char* exp_name;
  // Set with dma_buf_set_name(); under resv.
  const char* name;
  struct list_head list_node;  // in the global list of buffers
  void* priv;                  // the exporter's
  struct dma_resv* resv;       // the exporter's, or one of the buffer's own
  struct kref refcount;
};

// What a dynamic importer provides (Linux's struct dma_buf_attach_ops).
struct dma_buf_attach_ops {
  // The importer can reach the exporter's memory over the bus.
  bool allow_peer2peer = {};
  // Required: the exporter moves the buffer; called with dmabuf->resv held.
  // The importer must drop its mappings and map again before next use.
  void (*move_notify)(struct dma_buf_attachment* attach) = {};
};

// One device attached to one buffer.
struct dma_buf_attachment {
  struct dma_buf* dmabuf;
  struct device* dev;
  struct list_head node;  // in dmabuf->attachments; under dmabuf->resv
  // The cached mapping (importer and exporter disagree on dynamic mapping,
  // or ops->cache_sgt_mapping), and its direction.
  struct sg_table* sgt;
  enum dma_data_direction dir;
  // The importer maps and unmaps with dmabuf->resv held.
  bool dynamic_mapping;
  // A dynamic importer's callbacks (dma_buf_dynamic_attach() with ops), or
  // NULL; importer_priv is the importer's.
  const struct dma_buf_attach_ops* importer_ops;
  void* importer_priv;
  void* priv;  // the exporter's
};

// What dma_buf_export() needs. Declare it with DEFINE_DMA_BUF_EXPORT_INFO.
struct dma_buf_export_info {
  const char* exp_name = {};
  const struct dma_buf_ops* ops = {};
  size_t size = {};
  int flags = {};
  struct dma_resv* resv = {};  // NULL: the buffer gets its own
  void* priv = {};
};

#define DEFINE_DMA_BUF_EXPORT_INFO(name) \
  struct dma_buf_export_info name = {.exp_name = __FILE__}

// A new buffer with one reference, or ERR_PTR(-EINVAL) for bad info (no
// priv, no ops, a required op missing, cache_sgt_mapping together with
// dynamic_mapping), ERR_PTR(-ENOMEM). May sleep.
struct dma_buf* dma_buf_export(const struct dma_buf_export_info* exp_info);
// Takes another reference.
void get_dma_buf(struct dma_buf* dmabuf);
// Drops one; the last calls ops->release and frees the buffer (every
// attachment must be detached by then). As Linux's final fput(), the release
// never runs under the caller's locks: at once when the caller holds none,
// else on the release thread (core/delayed-fput.h; flush_delayed_fput()
// waits for it). So dma_buf_put() adds no lock dependency.
void dma_buf_put(struct dma_buf* dmabuf);

// Attaches `dev` as a static importer: dma_buf_dynamic_attach(.., false).
struct dma_buf_attachment* dma_buf_attach(struct dma_buf* dmabuf,
                                          struct device* dev);
// Attaches `dev`; `dynamic_mapping` is the importer's convention (true: it
// maps with dmabuf->resv held). Returns the attachment or an ERR_PTR
// (ops->attach's error, or the attach-time mapping's). When importer and
// exporter disagree, the mapping is made here (DMA_BIDIRECTIONAL). Must be
// called without dmabuf->resv held. May sleep.
struct dma_buf_attachment* dma_buf_dynamic_attach(struct dma_buf* dmabuf,
                                                  struct device* dev,
                                                  bool dynamic_mapping);
// Linux's form: attaches `dev` as a dynamic importer when `importer_ops` is
// given (it must have move_notify: ERR_PTR(-EINVAL) and a WARN_ON report
// otherwise), as a static one when NULL. Otherwise as above.
struct dma_buf_attachment* dma_buf_dynamic_attach(
    struct dma_buf* dmabuf, struct device* dev,
    const struct dma_buf_attach_ops* importer_ops, void* importer_priv);
// Undoes dma_buf_attach(), releasing a cached mapping. Without resv held.
void dma_buf_detach(struct dma_buf* dmabuf, struct dma_buf_attachment* attach);

// The buffer mapped for the attachment's device: the cached mapping if there
// is one (ERR_PTR(-EBUSY) if cached for another direction), else the
// exporter's map_dma_buf(). Resv held for a dynamic attachment, not held
// otherwise; checked with lockdep.
struct sg_table* dma_buf_map_attachment(struct dma_buf_attachment* attach,
                                        enum dma_data_direction direction);
// Undoes dma_buf_map_attachment() (a cached mapping stays until detach).
void dma_buf_unmap_attachment(struct dma_buf_attachment* attach,
                              struct sg_table* sg_table,
                              enum dma_data_direction direction);
// The exporter moved the buffer: every dynamic importer's move_notify runs.
// Resv held.
void dma_buf_move_notify(struct dma_buf* dmabuf);
// A dynamic importer keeps the buffer in place (ops->pin) until
// dma_buf_unpin(). Resv held. 0 or the exporter's -errno; a static
// importer never calls it (WARN_ON): its buffer is pinned for it, from
// attach to detach, when the exporter is dynamic.
int dma_buf_pin(struct dma_buf_attachment* attach);
void dma_buf_unpin(struct dma_buf_attachment* attach);

// CPU access: begin waits for the fences the access must wait for (writers,
// and readers too for a write) after ops->begin_cpu_access. 0 or -errno.
// Both may take dmabuf->resv (might_lock, as Linux): calling either with it
// held is reported even when this exporter does not take it.
int dma_buf_begin_cpu_access(struct dma_buf* dmabuf,
                             enum dma_data_direction direction);
int dma_buf_end_cpu_access(struct dma_buf* dmabuf,
                           enum dma_data_direction direction);
// A virtual address of the whole buffer (counted: the exporter's vmap runs
// once for nested calls), or NULL. Balanced by dma_buf_vunmap(). May sleep.
void* dma_buf_vmap(struct dma_buf* dmabuf);
void dma_buf_vunmap(struct dma_buf* dmabuf, void* vaddr);

// Names the buffer (a copy of `name`) for debugging: 0, -EBUSY once devices
// are attached, -ENOMEM. Takes dmabuf->resv.
long dma_buf_set_name(struct dma_buf* dmabuf, const char* name);

// True when the exporter maps with the reservation lock held.
inline bool dma_buf_is_dynamic(struct dma_buf* dmabuf) {
  return dmabuf->ops->dynamic_mapping;
}
// True when the importer maps with the reservation lock held.
inline bool dma_buf_attachment_is_dynamic(struct dma_buf_attachment* attach) {
  return attach->dynamic_mapping;
}

// Writes every buffer (size, exporter, name) and its attached devices to `s`,
// as Linux's debugfs "bufinfo": 0, or -errno. Takes the buffer list lock and
// each buffer's reservation lock (before reading its name).
int dma_buf_debug_show(FILE* s);

#endif  // LOCKDEP_CORE_DMA_BUF_H_
