// PRIME: the driver exports a buffer object through dma-buf, with its own
// reservation object, as a dynamic exporter (its buffers move when evicted,
// and it maps with the reservation lock held). Two importers: a display
// (static: it scans out and cannot follow a move, so the core pins the
// buffer for it from attach to detach) and a second GPU (dynamic: eviction
// calls its move_notify, under the reservation lock, and it maps again
// before its next use).
#include <atomic>

#include "core/scatterlist.h"
#include "examples/fakegpu/driver.h"

namespace fakegpu {

struct fakegpu_importer {
  struct device dev;
  struct fakegpu_bo* bo;
  struct dma_buf_attachment* attach;
  bool dynamic;
  struct sg_table* sgt;  // the mapping; for a dynamic importer, resv held
  std::atomic<long> maps{0};
  long move_notifies = 0;  // resv held
};

namespace {

struct sg_table* bo_map(struct dma_buf_attachment* attach,
                        enum dma_data_direction) {
  // A dynamic exporter is called with the lock held: the placement it maps
  // cannot change meanwhile.
  dma_resv_assert_held(attach->dmabuf->resv);
  auto* sgt = static_cast<struct sg_table*>(
      kzalloc(sizeof(struct sg_table), GFP_KERNEL));
  if (!sgt) return ERR_PTR(-ENOMEM);
  if (int err = sg_alloc_table(sgt, 1, GFP_KERNEL)) {
    kfree(sgt);
    return ERR_PTR(err);
  }
  sgt->sgl[0].length = static_cast<unsigned int>(attach->dmabuf->size);
  if (attach->importer_priv) {
    static_cast<struct fakegpu_importer*>(attach->importer_priv)->maps++;
  }
  return sgt;
}

void bo_unmap(struct dma_buf_attachment* attach, struct sg_table* sgt,
              enum dma_data_direction) {
  dma_resv_assert_held(attach->dmabuf->resv);
  sg_free_table(sgt);
  kfree(sgt);
}

int bo_pin(struct dma_buf_attachment* attach) {
  static_cast<struct fakegpu_bo*>(attach->dmabuf->priv)->pin_count++;
  return 0;
}

void bo_unpin(struct dma_buf_attachment* attach) {
  static_cast<struct fakegpu_bo*>(attach->dmabuf->priv)->pin_count--;
}

// The buffer object outlives its dma-buf (the device frees it).
void bo_release(struct dma_buf* dmabuf) {
  static_cast<struct fakegpu_bo*>(dmabuf->priv)->dmabuf = nullptr;
}

const struct dma_buf_ops fakegpu_dmabuf_ops = {
    .dynamic_mapping = true,
    .pin = bo_pin,
    .unpin = bo_unpin,
    .map_dma_buf = bo_map,
    .unmap_dma_buf = bo_unmap,
    .release = bo_release,
};

// Eviction moved the buffer (resv held, fs_reclaim too): drop the mapping;
// nothing here may allocate or wait.
void peer_move_notify(struct dma_buf_attachment* attach) {
  auto* imp = static_cast<struct fakegpu_importer*>(attach->importer_priv);
  dma_resv_assert_held(attach->dmabuf->resv);
  imp->move_notifies++;
  if (imp->sgt) {
    dma_buf_unmap_attachment(attach, imp->sgt, DMA_BIDIRECTIONAL);
    imp->sgt = nullptr;
  }
}

const struct dma_buf_attach_ops peer_attach_ops = {
    .move_notify = peer_move_notify,
};

}  // namespace

struct dma_buf* fakegpu_bo_export(struct fakegpu_bo* bo) {
  DEFINE_DMA_BUF_EXPORT_INFO(info);
  info.exp_name = "fakegpu";
  info.ops = &fakegpu_dmabuf_ops;
  info.size = 4096;
  info.resv = &bo->resv;
  info.priv = bo;
  struct dma_buf* dmabuf = dma_buf_export(&info);
  if (IS_ERR(dmabuf)) return nullptr;
  bo->dmabuf = dmabuf;
  return dmabuf;
}

struct fakegpu_importer* fakegpu_importer_create(struct fakegpu_bo* bo,
                                                 const char* name,
                                                 bool dynamic) {
  auto* imp = new fakegpu_importer;
  imp->dev.name = name;
  imp->bo = bo;
  imp->dynamic = dynamic;
  imp->sgt = nullptr;
  imp->attach = dma_buf_dynamic_attach(
      bo->dmabuf, &imp->dev, dynamic ? &peer_attach_ops : nullptr, imp);
  if (IS_ERR(imp->attach)) {
    delete imp;
    return nullptr;
  }
  if (dynamic) {
    fakegpu_importer_use(imp);
  } else {
    // The static convention: mapped without the reservation lock; the core
    // made the mapping at attach (the exporter maps locked) and pinned the
    // buffer, so it stays valid until detach.
    imp->sgt = dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
    if (IS_ERR(imp->sgt)) imp->sgt = nullptr;
  }
  return imp;
}

bool fakegpu_importer_use(struct fakegpu_importer* imp) {
  if (!imp->dynamic) return imp->sgt != nullptr;
  dma_resv_lock(imp->bo->dmabuf->resv, nullptr);
  if (!imp->sgt) {
    struct sg_table* sgt =
        dma_buf_map_attachment(imp->attach, DMA_BIDIRECTIONAL);
    imp->sgt = IS_ERR(sgt) ? nullptr : sgt;
  }
  const bool mapped = imp->sgt != nullptr;
  dma_resv_unlock(imp->bo->dmabuf->resv);
  return mapped;
}

struct fakegpu_importer_stats fakegpu_importer_stats(
    struct fakegpu_importer* imp) {
  dma_resv_lock(imp->bo->dmabuf->resv, nullptr);
  struct fakegpu_importer_stats s = {imp->maps.load(), imp->move_notifies,
                                     imp->sgt != nullptr};
  dma_resv_unlock(imp->bo->dmabuf->resv);
  return s;
}

void fakegpu_importer_destroy(struct fakegpu_importer* imp) {
  struct dma_buf* dmabuf = imp->bo->dmabuf;
  if (imp->sgt) {
    if (imp->dynamic) dma_resv_lock(dmabuf->resv, nullptr);
    dma_buf_unmap_attachment(imp->attach, imp->sgt, DMA_BIDIRECTIONAL);
    if (imp->dynamic) dma_resv_unlock(dmabuf->resv);
  }
  dma_buf_detach(dmabuf, imp->attach);
  delete imp;
}

}  // namespace fakegpu
