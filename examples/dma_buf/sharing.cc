// dma-buf sharing under the locking convention of "dma-buf: change DMA-buf
// locking convention v2" as its review left it: the clean case with every
// importer/exporter combination, and the two bugs the review's lockdep
// asserts catch.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "examples/dma_buf/heaps.h"
#include "examples/dma_buf/scenarios.h"
#include "examples/scenario.h"
#include "instrument/kernel.h"

namespace examples::dma {

int Sharing() {
  struct importer display = {.dev = {.name = "display"}, .dynamic = false};
  struct importer gpu = {.dev = {.name = "gpu"}, .dynamic = true};
  struct dma_buf* scanout = system_heap_alloc(1 << 20, "scanout");
  struct dma_buf* texture = vram_alloc(4 << 20, "texture");
  for (struct dma_buf* buf : {scanout, texture}) {
    for (struct importer* imp : {&display, &gpu}) {
      if (importer_use(imp, buf, 3) != 0) return 1;
    }
  }
  // The debug listing, taken while a device is attached.
  struct dma_buf_attachment* attach = dma_buf_attach(scanout, &display.dev);
  Say("\nThe debug listing (takes each buffer's reservation lock before its "
      "name):");
  char* text = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&text, &size);
  dma_buf_debug_show(f);
  std::fclose(f);
  Say(std::string(text, size));
  std::free(text);
  dma_buf_detach(scanout, attach);
  dma_buf_put(scanout);
  dma_buf_put(texture);
  return 0;
}

int MapStaticUnderResv() {
  struct importer display = {.dev = {.name = "display"}, .dynamic = false};
  struct dma_buf* scanout = system_heap_alloc(1 << 20, "scanout");
  struct dma_buf_attachment* attach = dma_buf_attach(scanout, &display.dev);
  // An atomic modeset locks every framebuffer it touches, then maps one for
  // the display engine: the static system-heap exporter is now called with
  // the reservation lock held, which its own locks cannot nest inside.
  dma_resv_lock(scanout->resv, nullptr);
  struct sg_table* sgt = dma_buf_map_attachment(attach, DMA_TO_DEVICE);
  dma_resv_unlock(scanout->resv);
  if (!IS_ERR(sgt)) dma_buf_unmap_attachment(attach, sgt, DMA_TO_DEVICE);
  dma_buf_detach(scanout, attach);
  dma_buf_put(scanout);
  return 0;
}

int MapDynamicWithoutResv() {
  struct dma_buf* texture = vram_alloc(4 << 20, "texture");
  struct device gpu = {.name = "gpu"};
  struct dma_buf_attachment* attach =
      dma_buf_dynamic_attach(texture, &gpu, /*dynamic_mapping=*/true);
  // A new code path of the GPU driver maps the buffer without the lock: vram
  // may move the buffer at any moment, and the mapping goes stale.
  struct sg_table* sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
  dma_resv_lock(texture->resv, nullptr);
  if (!IS_ERR(sgt)) dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
  dma_resv_unlock(texture->resv);
  dma_buf_detach(texture, attach);
  dma_buf_put(texture);
  return 0;
}

}  // namespace examples::dma
