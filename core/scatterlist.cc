#include "core/scatterlist.h"

int sg_alloc_table(struct sg_table* table, unsigned int nents, gfp_t gfp) {
  table->sgl = nullptr;
  table->nents = 0;
  if (nents == 0) return -EINVAL;
  table->sgl = static_cast<struct scatterlist*>(
      kzalloc(nents * sizeof(struct scatterlist), gfp));
  if (!table->sgl) return -ENOMEM;
  table->nents = nents;
  return 0;
}

void sg_free_table(struct sg_table* table) {
  kfree(table->sgl);
  table->sgl = nullptr;
  table->nents = 0;
}
