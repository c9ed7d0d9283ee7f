// The dma-buf example scenarios, one function each (see scenarios.cc for
// their stories). Each returns 0, or 1 when its own checks failed.
#ifndef LOCKDEP_EXAMPLES_DMA_BUF_SCENARIOS_H_
#define LOCKDEP_EXAMPLES_DMA_BUF_SCENARIOS_H_

namespace examples::dma {

int Sharing();                // sharing.cc
int MapStaticUnderResv();     // sharing.cc
int MapDynamicWithoutResv();  // sharing.cc
int FenceBorrowedLock();      // fences.cc
int FenceInplaceLock();       // fences.cc
int FenceWaitUnderLock();     // fences.cc
int MultiBufferSubmit();      // submit.cc

}  // namespace examples::dma

#endif  // LOCKDEP_EXAMPLES_DMA_BUF_SCENARIOS_H_
