// Directions of a DMA mapping, as <linux/dma-direction.h>.
#ifndef LOCKDEP_CORE_DMA_DIRECTION_H_
#define LOCKDEP_CORE_DMA_DIRECTION_H_

enum dma_data_direction {
  DMA_BIDIRECTIONAL = 0,
  DMA_TO_DEVICE = 1,
  DMA_FROM_DEVICE = 2,
  DMA_NONE = 3,
};

#endif  // LOCKDEP_CORE_DMA_DIRECTION_H_
