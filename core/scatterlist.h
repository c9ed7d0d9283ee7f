// A scatter/gather table as <linux/scatterlist.h>, reduced to what the
// example subsystem needs: an array of (address, length) entries that an
// exporter's map_dma_buf() fills in for one device.
#ifndef LOCKDEP_CORE_SCATTERLIST_H_
#define LOCKDEP_CORE_SCATTERLIST_H_

#include "core/types.h"
#include "instrument/kernel.h"

struct scatterlist {
  u64 dma_address;
  unsigned int length;
};

struct sg_table {
  struct scatterlist* sgl;
  unsigned int nents;
};

// Allocates `nents` zeroed entries: 0 or -ENOMEM (-EINVAL for 0 entries).
int sg_alloc_table(struct sg_table* table, unsigned int nents, gfp_t gfp);
// Frees the entries (not `table` itself).
void sg_free_table(struct sg_table* table);

#endif  // LOCKDEP_CORE_SCATTERLIST_H_
