#include "core/bug.h"

#include <cstdio>

void __core_warn(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "dma-buf: WARN_ON(%s) at %s:%d\n", condition, file,
               line);
}
