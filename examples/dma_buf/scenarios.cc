// The dma-buf examples as scenarios: what each shows and what it must report.
#include "examples/dma_buf/scenarios.h"

#include "examples/scenario.h"

namespace examples {

std::vector<Scenario> DmaBufScenarios() {
  using lockdep::ReportKind;
  using namespace examples::dma;
  return {
      {"dma_buf_sharing",
       "dma-buf: static and dynamic importers of static and dynamic exporters",
       "A display (static importer: maps without the reservation lock) and a\n"
       "GPU (dynamic: maps with it) each use a system-heap buffer (static\n"
       "exporter) and a vram buffer (dynamic exporter). Where they disagree,\n"
       "the buffer is mapped once at attach time and cached. Clean.",
       {},
       "",
       "",
       Sharing},
      {"dma_buf_map_static_locked",
       "dma-buf: a static exporter's buffer mapped under the reservation lock",
       "A modeset path locks the framebuffer's reservation object, then maps\n"
       "it for the display: the static exporter's map_dma_buf() would run\n"
       "under a lock it must not be called with. dma_buf_map_attachment()\n"
       "says so (the review's lockdep_assert_not_held in the else branch).",
       {ReportKind::kAssertNotHeldFailed},
       "",
       "",
       MapStaticUnderResv},
      {"dma_buf_map_dynamic_unlocked",
       "dma-buf: a dynamic importer maps without the reservation lock",
       "The GPU driver attached as a dynamic importer, so its mappings are\n"
       "only valid under the reservation lock (vram may move the buffer); a\n"
       "new path maps without it.",
       {ReportKind::kAssertHeldFailed},
       "",
       "",
       MapDynamicWithoutResv},
      {"fence_borrowed_lock",
       "dma-fence: a borrowed fence lock freed with its operation",
       "An operation lends its spinlock to its out fence, signals it and is\n"
       "kfree()d; user space still holds the fence and polls it, taking the\n"
       "lock inside freed memory. kfree() marked that lock destroyed, so the\n"
       "use is reported, with the stack of the kfree(), instead of corrupting\n"
       "whatever reuses the memory.",
       {ReportKind::kUninitializedLock},
       "was freed by task",
       "",
       FenceBorrowedLock},
      {"fence_inplace_lock",
       "dma-fence: the same operation with the fence's in-place lock",
       "dma_fence_inplace_lock_init(): the fence carries its own lock and may\n"
       "outlive the operation. Clean.",
       {},
       "",
       "",
       FenceInplaceLock},
      {"fence_wait_under_lock",
       "dma-fence: waiting for a fence under a lock its signalling path takes",
       "A job's completion retires it under sched.lock, inside a signalling\n"
       "section; submission waits for the previous job's fence holding\n"
       "sched.lock. The fence was already signalled, so nothing hung; lockdep\n"
       "reports the cycle through dma_fence_map anyway, because every wait is\n"
       "annotated, signalled or not.",
       {ReportKind::kCircularDependency},
       "",
       "",
       FenceWaitUnderLock},
      {"dma_resv_multi_buffer",
       "dma-resv: jobs reserving several buffers with the back-off loop",
       "Three submitters lock three of six shared buffers each, in their own\n"
       "orders, under one acquire context, backing off with -EDEADLK. Clean.",
       {},
       "",
       "",
       MultiBufferSubmit},
      {"dma_resv_multi_buffer_ww_inject",
       "dma-resv: the same under LOCKDEP_OPTIONS=ww_inject=3",
       "Every third lock that would leave a job holding two buffers backs off\n"
       "on purpose, so the back-off path surely runs. Still clean.",
       {},
       "",
       "ww_inject=3",
       MultiBufferSubmit},
  };
}

}  // namespace examples
