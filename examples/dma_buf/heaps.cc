#include "examples/dma_buf/heaps.h"

#include <string>

#include "absl/strings/str_format.h"
#include "examples/scenario.h"
#include "instrument/kernel.h"

namespace examples::dma {
namespace {

struct heap_buffer {
  int map_calls;
};

struct sg_table* heap_map(struct dma_buf_attachment* attach,
                          enum dma_data_direction) {
  // What each exporter relies on, checked where it relies on it.
  if (dma_buf_is_dynamic(attach->dmabuf)) {
    dma_resv_assert_held(attach->dmabuf->resv);
  }
  static_cast<heap_buffer*>(attach->dmabuf->priv)->map_calls++;
  auto* sgt = static_cast<struct sg_table*>(
      kzalloc(sizeof(struct sg_table), GFP_KERNEL));
  if (!sgt) return ERR_PTR(-ENOMEM);
  if (int err = sg_alloc_table(sgt, 1, GFP_KERNEL)) {
    kfree(sgt);
    return ERR_PTR(err);
  }
  sgt->sgl[0].length = static_cast<unsigned int>(attach->dmabuf->size);
  return sgt;
}

void heap_unmap(struct dma_buf_attachment*, struct sg_table* sgt,
                enum dma_data_direction) {
  sg_free_table(sgt);
  kfree(sgt);
}

void heap_release(struct dma_buf* buf) { kfree(buf->priv); }

const struct dma_buf_ops system_heap_ops = {
    .map_dma_buf = heap_map,
    .unmap_dma_buf = heap_unmap,
    .release = heap_release,
};

const struct dma_buf_ops vram_ops = {
    .dynamic_mapping = true,
    .map_dma_buf = heap_map,
    .unmap_dma_buf = heap_unmap,
    .release = heap_release,
};

struct dma_buf* heap_export(const struct dma_buf_ops* ops, size_t size,
                            const char* name) {
  DEFINE_DMA_BUF_EXPORT_INFO(info);
  info.exp_name = ops->dynamic_mapping ? "vram" : "system-heap";
  info.ops = ops;
  info.size = size;
  info.priv = kzalloc(sizeof(heap_buffer), GFP_KERNEL);
  struct dma_buf* buf = dma_buf_export(&info);
  if (IS_ERR(buf)) {
    kfree(info.priv);
    return buf;
  }
  dma_buf_set_name(buf, name);
  return buf;
}

}  // namespace

struct dma_buf* system_heap_alloc(size_t size, const char* name) {
  return heap_export(&system_heap_ops, size, name);
}

struct dma_buf* vram_alloc(size_t size, const char* name) {
  return heap_export(&vram_ops, size, name);
}

int exporter_map_calls(struct dma_buf* buf) {
  return static_cast<heap_buffer*>(buf->priv)->map_calls;
}

int importer_use(struct importer* imp, struct dma_buf* buf, int times) {
  struct dma_buf_attachment* attach =
      dma_buf_dynamic_attach(buf, &imp->dev, imp->dynamic);
  if (IS_ERR(attach)) return static_cast<int>(PTR_ERR(attach));
  const int maps_before = exporter_map_calls(buf);
  const bool cached = attach->sgt != nullptr;
  for (int i = 0; i < times; ++i) {
    if (imp->dynamic) dma_resv_lock(buf->resv, nullptr);
    struct sg_table* sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
    if (!IS_ERR(sgt)) dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
    if (imp->dynamic) dma_resv_unlock(buf->resv);
    if (IS_ERR(sgt)) return static_cast<int>(PTR_ERR(sgt));
  }
  // The name is protected by the reservation lock, like the attachments.
  dma_resv_lock(buf->resv, nullptr);
  const std::string name = buf->name ? buf->name : "";
  dma_resv_unlock(buf->resv);
  const int ran = exporter_map_calls(buf) - maps_before;
  Say(absl::StrFormat(
      "  %-7s (%s importer) x %-8s (%s exporter): %d maps, the exporter's "
      "map_dma_buf ran %d time%s%s\n",
      dev_name(&imp->dev), imp->dynamic ? "dynamic" : "static", name,
      dma_buf_is_dynamic(buf) ? "dynamic" : "static", times, ran,
      ran == 1 ? "" : "s", cached ? " (at attach; cached)" : ""));
  dma_buf_detach(buf, attach);
  return 0;
}

}  // namespace examples::dma
