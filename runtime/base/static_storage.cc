#include "runtime/base/static_storage.h"

#include <link.h>

#include <cstdint>

namespace lockdep {

bool IsStaticAddress(const void* addr) {
  struct Query {
    uintptr_t addr;
    bool found;
  } q{reinterpret_cast<uintptr_t>(addr), false};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        Query* q = static_cast<Query*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_W)) continue;
          uintptr_t start = info->dlpi_addr + ph.p_vaddr;
          if (q->addr >= start && q->addr < start + ph.p_memsz) {
            q->found = true;
            return 1;
          }
        }
        return 0;
      },
      &q);
  return q.found;
}

}  // namespace lockdep
