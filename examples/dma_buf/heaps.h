// Two simulated exporters and the importer side of the dma-buf examples.
//
//   system heap  a static exporter: its map_dma_buf() must be called WITHOUT
//                the reservation lock (it takes locks of its own that nest
//                outside it).
//   vram         a dynamic exporter: map_dma_buf() is called WITH the
//                reservation lock, which lets it move buffers under it.
//
// An importer is a device with its own convention: a dynamic importer (a GPU
// driver deep in its command submission, holding reservation locks) maps with
// the lock held; a static one (a display driver) maps without.
#ifndef LOCKDEP_EXAMPLES_DMA_BUF_HEAPS_H_
#define LOCKDEP_EXAMPLES_DMA_BUF_HEAPS_H_

#include "core/dma-buf.h"

namespace examples::dma {

// A new buffer of `size` bytes from the system heap (static) or vram
// (dynamic), named `name`.
struct dma_buf* system_heap_alloc(size_t size, const char* name);
struct dma_buf* vram_alloc(size_t size, const char* name);

// How many times each exporter's map_dma_buf() ran (to show caching).
int exporter_map_calls(struct dma_buf* buf);

struct importer {
  struct device dev;
  bool dynamic;  // maps with the reservation lock held
};

// Attaches, maps `times` times following the importer's convention, unmaps
// and detaches; prints what happened. Returns 0 or the first error.
int importer_use(struct importer* imp, struct dma_buf* buf, int times);

}  // namespace examples::dma

#endif  // LOCKDEP_EXAMPLES_DMA_BUF_HEAPS_H_
