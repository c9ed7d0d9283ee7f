#include "runtime/base/zeroed_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace lockdep {

void* MapZeroedPages(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    static const char kMsg[] = "lockdep: cannot map its fixed tables (mmap failed)\n";
    (void)!write(2, kMsg, sizeof(kMsg) - 1);
    abort();
  }
  return p;
}

}  // namespace lockdep
