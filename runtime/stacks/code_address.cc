#include "runtime/stacks/code_address.h"

#include <elf.h>
#include <link.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lockdep {
namespace {

struct Search {
  uintptr_t address = 0;
  std::string answer;
};

// The object's NT_GNU_BUILD_ID as hex, or "".
std::string BuildId(const dl_phdr_info* info) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) note;
      std::memcpy(&note, p, sizeof(note));
      const char* name = p + sizeof(note);
      const char* desc = name + ((note.n_namesz + 3) & ~3u);
      const char* next = desc + ((note.n_descsz + 3) & ~3u);
      if (next > end) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0) {
        static constexpr char kHex[] = "0123456789abcdef";
        std::string hex;
        for (uint32_t k = 0; k < note.n_descsz; ++k) {
          const auto b = static_cast<unsigned char>(desc[k]);
          hex += kHex[b >> 4];
          hex += kHex[b & 15];
        }
        return hex;
      }
      p = next;
    }
  }
  return "";
}

int Visit(dl_phdr_info* info, size_t, void* arg) {
  auto* s = static_cast<Search*>(arg);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (s->address < start || s->address >= start + ph.p_memsz) continue;
    std::string id = BuildId(info);
    if (id.empty()) id = info->dlpi_name[0] ? info->dlpi_name : program_invocation_name;
    s->answer = absl::StrCat(id, "+0x", absl::Hex(s->address - info->dlpi_addr));
    return 1;
  }
  return 0;
}

}  // namespace

std::string CodeAddressIdentity(uintptr_t address) {
  Search s;
  s.address = address;
  dl_iterate_phdr(Visit, &s);
  return s.answer;
}

}  // namespace lockdep
