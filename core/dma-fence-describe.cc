// dma_fence_describe(): the one-line description debug listings print.
#include <cinttypes>
#include <cstdio>

#include "core/dma-fence.h"

// Linux 5.17's format, which names the driver and timeline of signalled
// fences too: since 6.17 Linux omits them there, because a signalled fence's
// ops may be gone with its module; ops here live as long as the program.
void dma_fence_describe(struct dma_fence* fence, FILE* seq) {
  const bool signaled = dma_fence_is_signaled(fence);
  std::fprintf(seq, "%s %s seq %" PRIu64 " %ssignalled\n",
               fence->ops->get_driver_name(fence),
               fence->ops->get_timeline_name(fence), fence->seqno,
               signaled ? "" : "un");
}
