#include "core/dma-buf.h"

#include "core/bug.h"
#include "core/delayed-fput.h"
#include "instrument/kernel.h"

namespace {

// Every exported buffer, for dma_buf_debug_show(). Linux's db_list is one
// struct initialised at module init; here it is constant-initialised, as
// two objects: a member naming its own object in an aggregate's initializer
// reads as a use before initialisation (clang warns).
struct dma_buf_list {
  struct list_head& head;
  struct mutex& lock;
};

LIST_HEAD(db_list_head);
DEFINE_MUTEX(db_list_lock);
constexpr dma_buf_list db_list = {db_list_head, db_list_lock};

// The convention of the exporter's map/unmap callbacks, checked right before
// calling one: a dynamic exporter is called with the reservation lock held,
// a static one without it (the review's "else lockdep_assert_not_held()").
void assert_exporter_convention(struct dma_buf* dmabuf) {
  if (dma_buf_is_dynamic(dmabuf)) {
    dma_resv_assert_held(dmabuf->resv);
  } else {
    lockdep_assert_not_held(&dmabuf->resv->lock.base);
  }
}

void __dma_buf_release(void* arg) {
  auto* dmabuf = static_cast<struct dma_buf*>(arg);
  WARN_ON(dmabuf->vmapping_counter);
  WARN_ON(!list_empty(&dmabuf->attachments));
  // Off the list first, so the debug listing never sees a buffer whose
  // exporter already let go of it.
  mutex_lock(&db_list.lock);
  list_del(&dmabuf->list_node);
  mutex_unlock(&db_list.lock);
  dmabuf->ops->release(dmabuf);
  // The reservation object the buffer brought along sits right behind it.
  if (dmabuf->resv == reinterpret_cast<struct dma_resv*>(&dmabuf[1])) {
    dma_resv_fini(dmabuf->resv);
  }
  mutex_destroy(&dmabuf->lock);
  kfree(dmabuf->name);
  kfree(dmabuf);
}

// The last reference went: as Linux's final fput(), the release runs with
// no lock of the caller held. A caller holding none (user space returning
// from its call, in Linux terms) releases at once; any other defers to the
// release thread, so the caller's locks never come to depend on the
// release's (the buffer list lock, the exporter's own).
void dma_buf_release(struct kref* kref) {
  struct dma_buf* dmabuf = container_of(kref, struct dma_buf, refcount);
  if (lockdep_depth() == 0) {
    __dma_buf_release(dmabuf);
  } else {
    delayed_fput(__dma_buf_release, dmabuf);
  }
}

}  // namespace

struct dma_buf* dma_buf_export(const struct dma_buf_export_info* exp_info) {
  const struct dma_buf_ops* ops = exp_info->ops;
  if (WARN_ON(!exp_info->priv || !ops || !ops->map_dma_buf ||
              !ops->unmap_dma_buf || !ops->release)) {
    return ERR_PTR(-EINVAL);
  }
  if (WARN_ON(ops->cache_sgt_mapping && ops->dynamic_mapping)) {
    return ERR_PTR(-EINVAL);
  }
  if (WARN_ON(!ops->pin != !ops->unpin)) return ERR_PTR(-EINVAL);
  size_t alloc_size = sizeof(struct dma_buf);
  if (!exp_info->resv) alloc_size += sizeof(struct dma_resv);
  auto* dmabuf = static_cast<struct dma_buf*>(kzalloc(alloc_size, GFP_KERNEL));
  if (!dmabuf) return ERR_PTR(-ENOMEM);
  dmabuf->priv = exp_info->priv;
  dmabuf->ops = ops;
  dmabuf->size = exp_info->size;
  dmabuf->exp_name = exp_info->exp_name;
  kref_init(&dmabuf->refcount);
  INIT_LIST_HEAD(&dmabuf->attachments);
  mutex_init(&dmabuf->lock);
  if (exp_info->resv) {
    dmabuf->resv = exp_info->resv;
  } else {
    dmabuf->resv = reinterpret_cast<struct dma_resv*>(&dmabuf[1]);
    dma_resv_init(dmabuf->resv);
  }
  mutex_lock(&db_list.lock);
  list_add(&dmabuf->list_node, &db_list.head);
  mutex_unlock(&db_list.lock);
  return dmabuf;
}

void get_dma_buf(struct dma_buf* dmabuf) { kref_get(&dmabuf->refcount); }

void dma_buf_put(struct dma_buf* dmabuf) {
  if (WARN_ON(!dmabuf)) return;
  kref_put(&dmabuf->refcount, dma_buf_release);
}

namespace {

struct dma_buf_attachment* attach_importer(
    struct dma_buf* dmabuf, struct device* dev, bool dynamic_mapping,
    const struct dma_buf_attach_ops* importer_ops, void* importer_priv) {
  if (WARN_ON(!dmabuf || !dev)) return ERR_PTR(-EINVAL);
  auto* attach = static_cast<struct dma_buf_attachment*>(
      kzalloc(sizeof(struct dma_buf_attachment), GFP_KERNEL));
  if (!attach) return ERR_PTR(-ENOMEM);
  attach->dev = dev;
  attach->dmabuf = dmabuf;
  attach->dynamic_mapping = dynamic_mapping;
  attach->importer_ops = importer_ops;
  attach->importer_priv = importer_priv;

  mutex_lock(&dmabuf->lock);
  if (dmabuf->ops->attach) {
    const int ret = dmabuf->ops->attach(dmabuf, attach);
    if (ret) {
      mutex_unlock(&dmabuf->lock);
      kfree(attach);
      return ERR_PTR(ret);
    }
  }
  dma_resv_lock(dmabuf->resv, nullptr);
  list_add(&attach->node, &dmabuf->attachments);
  dma_resv_unlock(dmabuf->resv);
  mutex_unlock(&dmabuf->lock);

  // Importer and exporter disagree about the reservation lock around
  // map/unmap, so no call of map at map time can suit both: map once now,
  // where the importer is not deep in its own locks, and hand that out.
  if (dma_buf_attachment_is_dynamic(attach) != dma_buf_is_dynamic(dmabuf)) {
    if (dma_buf_is_dynamic(dmabuf)) dma_resv_lock(dmabuf->resv, nullptr);
    // A static importer caches the mapping and cannot follow a move: keep
    // the buffer in place until detach.
    const bool pin = !dma_buf_attachment_is_dynamic(attach) && dmabuf->ops->pin;
    struct sg_table* sgt = ERR_PTR(pin ? dmabuf->ops->pin(attach) : 0);
    if (!IS_ERR(sgt)) {
      assert_exporter_convention(dmabuf);
      sgt = dmabuf->ops->map_dma_buf(attach, DMA_BIDIRECTIONAL);
      if (!sgt) sgt = ERR_PTR(-ENOMEM);
      if (IS_ERR(sgt) && pin) dmabuf->ops->unpin(attach);
    }
    if (dma_buf_is_dynamic(dmabuf)) dma_resv_unlock(dmabuf->resv);
    if (IS_ERR(sgt)) {
      dma_buf_detach(dmabuf, attach);
      return ERR_CAST(sgt);
    }
    attach->sgt = sgt;
    attach->dir = DMA_BIDIRECTIONAL;
  }
  return attach;
}

}  // namespace

struct dma_buf_attachment* dma_buf_dynamic_attach(struct dma_buf* dmabuf,
                                                  struct device* dev,
                                                  bool dynamic_mapping) {
  return attach_importer(dmabuf, dev, dynamic_mapping, nullptr, nullptr);
}

struct dma_buf_attachment* dma_buf_dynamic_attach(
    struct dma_buf* dmabuf, struct device* dev,
    const struct dma_buf_attach_ops* importer_ops, void* importer_priv) {
  if (WARN_ON(importer_ops && !importer_ops->move_notify)) {
    return ERR_PTR(-EINVAL);
  }
  return attach_importer(dmabuf, dev, importer_ops != nullptr, importer_ops,
                         importer_priv);
}

struct dma_buf_attachment* dma_buf_attach(struct dma_buf* dmabuf,
                                          struct device* dev) {
  return dma_buf_dynamic_attach(dmabuf, dev, false);
}

void dma_buf_detach(struct dma_buf* dmabuf, struct dma_buf_attachment* attach) {
  if (WARN_ON(!dmabuf || !attach)) return;
  if (attach->sgt) {
    if (dma_buf_is_dynamic(dmabuf)) dma_resv_lock(dmabuf->resv, nullptr);
    assert_exporter_convention(dmabuf);
    dmabuf->ops->unmap_dma_buf(attach, attach->sgt, attach->dir);
    // Pinned at attach for a static importer of a dynamic exporter.
    if (dma_buf_is_dynamic(dmabuf) && !dma_buf_attachment_is_dynamic(attach) &&
        dmabuf->ops->unpin) {
      dmabuf->ops->unpin(attach);
    }
    if (dma_buf_is_dynamic(dmabuf)) dma_resv_unlock(dmabuf->resv);
  }
  mutex_lock(&dmabuf->lock);
  dma_resv_lock(dmabuf->resv, nullptr);
  list_del(&attach->node);
  dma_resv_unlock(dmabuf->resv);
  if (dmabuf->ops->detach) dmabuf->ops->detach(dmabuf, attach);
  mutex_unlock(&dmabuf->lock);
  kfree(attach);
}

struct sg_table* dma_buf_map_attachment(struct dma_buf_attachment* attach,
                                        enum dma_data_direction direction) {
  if (WARN_ON(!attach || !attach->dmabuf)) return ERR_PTR(-EINVAL);
  struct dma_buf* dmabuf = attach->dmabuf;
  if (dma_buf_attachment_is_dynamic(attach)) dma_resv_assert_held(dmabuf->resv);

  if (attach->sgt) {
    // One cached mapping cannot serve two incompatible directions.
    if (attach->dir != direction && attach->dir != DMA_BIDIRECTIONAL) {
      return ERR_PTR(-EBUSY);
    }
    return attach->sgt;
  }

  assert_exporter_convention(dmabuf);
  struct sg_table* sg_table = dmabuf->ops->map_dma_buf(attach, direction);
  if (!sg_table) sg_table = ERR_PTR(-ENOMEM);
  if (!IS_ERR(sg_table) && dmabuf->ops->cache_sgt_mapping) {
    attach->sgt = sg_table;
    attach->dir = direction;
  }
  return sg_table;
}

void dma_buf_unmap_attachment(struct dma_buf_attachment* attach,
                              struct sg_table* sg_table,
                              enum dma_data_direction direction) {
  if (WARN_ON(!attach || !attach->dmabuf || !sg_table)) return;
  struct dma_buf* dmabuf = attach->dmabuf;
  if (dma_buf_attachment_is_dynamic(attach)) dma_resv_assert_held(dmabuf->resv);
  if (attach->sgt == sg_table) return;  // cached: released at detach
  assert_exporter_convention(dmabuf);
  dmabuf->ops->unmap_dma_buf(attach, sg_table, direction);
}

void dma_buf_move_notify(struct dma_buf* dmabuf) {
  dma_resv_assert_held(dmabuf->resv);
  struct dma_buf_attachment* attach;
  list_for_each_entry(attach, &dmabuf->attachments, node) {
    if (attach->importer_ops) attach->importer_ops->move_notify(attach);
  }
}

int dma_buf_pin(struct dma_buf_attachment* attach) {
  struct dma_buf* dmabuf = attach->dmabuf;
  WARN_ON(!dma_buf_attachment_is_dynamic(attach));
  dma_resv_assert_held(dmabuf->resv);
  return dmabuf->ops->pin ? dmabuf->ops->pin(attach) : 0;
}

void dma_buf_unpin(struct dma_buf_attachment* attach) {
  struct dma_buf* dmabuf = attach->dmabuf;
  WARN_ON(!dma_buf_attachment_is_dynamic(attach));
  dma_resv_assert_held(dmabuf->resv);
  if (dmabuf->ops->unpin) dmabuf->ops->unpin(attach);
}

int dma_buf_begin_cpu_access(struct dma_buf* dmabuf,
                             enum dma_data_direction direction) {
  if (WARN_ON(!dmabuf)) return -EINVAL;
  // Exporters take the reservation lock here (to wait, or to move the
  // buffer into CPU-visible memory): callers must not hold it, whether or
  // not this exporter happens to take it.
  might_lock(&dmabuf->resv->lock.base);
  int ret = 0;
  if (dmabuf->ops->begin_cpu_access) {
    ret = dmabuf->ops->begin_cpu_access(dmabuf, direction);
  }
  // The exporter had its chance to wait more cleverly; now make sure every
  // fence the access must wait for has signalled.
  if (ret == 0) {
    const bool write =
        direction == DMA_BIDIRECTIONAL || direction == DMA_TO_DEVICE;
    const long waited = dma_resv_wait_timeout(
        dmabuf->resv, dma_resv_usage_rw(write), false, MAX_SCHEDULE_TIMEOUT);
    if (waited < 0) ret = static_cast<int>(waited);
  }
  return ret;
}

int dma_buf_end_cpu_access(struct dma_buf* dmabuf,
                           enum dma_data_direction direction) {
  if (WARN_ON(!dmabuf)) return -EINVAL;
  might_lock(&dmabuf->resv->lock.base);
  if (dmabuf->ops->end_cpu_access) {
    return dmabuf->ops->end_cpu_access(dmabuf, direction);
  }
  return 0;
}

void* dma_buf_vmap(struct dma_buf* dmabuf) {
  if (WARN_ON(!dmabuf) || !dmabuf->ops->vmap) return nullptr;
  void* ptr = nullptr;
  mutex_lock(&dmabuf->lock);
  if (dmabuf->vmapping_counter) {
    dmabuf->vmapping_counter++;
    ptr = dmabuf->vmap_ptr;
  } else {
    ptr = dmabuf->ops->vmap(dmabuf);
    if (WARN_ON(IS_ERR(ptr))) ptr = nullptr;
    if (ptr) {
      dmabuf->vmap_ptr = ptr;
      dmabuf->vmapping_counter = 1;
    }
  }
  mutex_unlock(&dmabuf->lock);
  return ptr;
}

void dma_buf_vunmap(struct dma_buf* dmabuf, void* vaddr) {
  if (WARN_ON(!dmabuf)) return;
  mutex_lock(&dmabuf->lock);
  if (!WARN_ON(dmabuf->vmapping_counter == 0 || dmabuf->vmap_ptr != vaddr) &&
      --dmabuf->vmapping_counter == 0) {
    if (dmabuf->ops->vunmap) dmabuf->ops->vunmap(dmabuf, vaddr);
    dmabuf->vmap_ptr = nullptr;
  }
  mutex_unlock(&dmabuf->lock);
}

long dma_buf_set_name(struct dma_buf* dmabuf, const char* name) {
  char* copy = kstrdup(name, GFP_KERNEL);
  if (name && !copy) return -ENOMEM;
  long ret = 0;
  dma_resv_lock(dmabuf->resv, nullptr);
  // Importers may already show the old name: renaming under them is refused.
  if (!list_empty(&dmabuf->attachments)) {
    ret = -EBUSY;
  } else {
    const char* old = dmabuf->name;
    dmabuf->name = copy;
    copy = const_cast<char*>(old);
  }
  dma_resv_unlock(dmabuf->resv);
  kfree(copy);
  return ret;
}

int dma_buf_debug_show(FILE* s) {
  mutex_lock(&db_list.lock);
  std::fprintf(s, "\nDma-buf Objects:\n");
  std::fprintf(s, "%-8s\t%-8s\t%-8s\t%s\t%s\n", "size", "flags", "count",
               "exp_name", "name");
  int count = 0;
  size_t size = 0;
  struct dma_buf* buf_obj;
  list_for_each_entry(buf_obj, &db_list.head, list_node) {
    // The name and the attachments are protected by the reservation lock:
    // take it before printing either (the review's point).
    dma_resv_lock(buf_obj->resv, nullptr);
    std::fprintf(s, "%08zu\t%08x\t%08u\t%s\t%s\n", buf_obj->size, 0u,
                 kref_read(&buf_obj->refcount), buf_obj->exp_name,
                 buf_obj->name ? buf_obj->name : "<none>");
    std::fprintf(s, "\tAttached Devices:\n");
    int attach_count = 0;
    struct dma_buf_attachment* attach_obj;
    list_for_each_entry(attach_obj, &buf_obj->attachments, node) {
      std::fprintf(s, "\t%s\n", dev_name(attach_obj->dev));
      attach_count++;
    }
    dma_resv_unlock(buf_obj->resv);
    std::fprintf(s, "Total %d devices attached\n\n", attach_count);
    count++;
    size += buf_obj->size;
  }
  std::fprintf(s, "\nTotal %d objects, %zu bytes\n", count, size);
  mutex_unlock(&db_list.lock);
  return 0;
}
