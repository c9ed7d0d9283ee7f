#include "runtime/export/key_location.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

namespace lockdep {
namespace {

struct Module {
  std::string path;
  uintptr_t bias = 0;
  uintptr_t low = UINTPTR_MAX, high = 0;
};

int CollectModule(dl_phdr_info* info, size_t, void* arg) {
  Module m;
  m.path = info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
  m.bias = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    m.low = std::min<uintptr_t>(m.low, info->dlpi_addr + ph.p_vaddr);
    m.high = std::max<uintptr_t>(m.high, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
  }
  if (m.low < m.high) static_cast<std::vector<Module>*>(arg)->push_back(std::move(m));
  return 0;
}

std::string Demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (d == nullptr) return name;
  std::string s(d);
  std::free(d);
  return s;
}

// Bazel builds in a sandbox whose path DWARF may record: keep the
// workspace-relative part, which is the same for every build.
std::string ShortFile(const char* file, const char* comp_dir) {
  std::string f = file;
  if (comp_dir && *comp_dir && f.rfind(comp_dir, 0) == 0 && f.size() > std::strlen(comp_dir)) {
    f = f.substr(std::strlen(comp_dir) + 1);
  }
  size_t exec = f.find("/execroot/");
  if (exec != std::string::npos) {
    size_t ws_end = f.find('/', exec + 10);
    if (ws_end != std::string::npos) f = f.substr(ws_end + 1);
  }
  if (f.rfind("./", 0) == 0) f = f.substr(2);
  return f;
}

class ModuleScan {
 public:
  ModuleScan(const Module& module, std::vector<uintptr_t> wanted,
             std::map<uintptr_t, graph::KeyLocation>* out)
      : module_(module), wanted_(std::move(wanted)), out_(out) {}

  void Run() {
    int fd = ::open(module_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (Dwarf* dw = dwarf_begin(fd, DWARF_C_READ)) {
      Dwarf_Off offset = 0, next = 0;
      size_t header = 0;
      while (dwarf_nextcu(dw, offset, &next, &header, nullptr, nullptr, nullptr) == 0) {
        Dwarf_Die cu;
        if (dwarf_offdie(dw, offset + header, &cu) != nullptr) {
          Dwarf_Attribute attr;
          comp_dir_ = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
          const char* unit = dwarf_diename(&cu);
          unit_ = unit != nullptr ? ShortFile(unit, comp_dir_) : std::string();
          Walk(&cu);
        }
        offset = next;
      }
      dwarf_end(dw);
    }
    ::close(fd);
  }

 private:
  void Walk(Dwarf_Die* parent) {
    Dwarf_Die die;
    if (dwarf_child(parent, &die) != 0) return;
    do {
      switch (dwarf_tag(&die)) {
        case DW_TAG_variable:
          Variable(&die);
          break;
        case DW_TAG_namespace:
        case DW_TAG_subprogram:
        case DW_TAG_lexical_block:
          Walk(&die);
          break;
        default:
          break;
      }
    } while (dwarf_siblingof(&die, &die) == 0);
  }

  // dwarf_decl_file(), except that file index 0 is DWARF 5's primary source
  // file (clang's default), which libdw 0.188 takes for "no file".
  static const char* DeclFile(Dwarf_Die* die) {
    if (const char* file = dwarf_decl_file(die)) return file;
    Dwarf_Attribute attr;
    Dwarf_Word index = 0;
    Dwarf_Die cu;
    Dwarf_Files* files = nullptr;
    size_t count = 0;
    if (dwarf_attr_integrate(die, DW_AT_decl_file, &attr) == nullptr ||
        dwarf_formudata(&attr, &index) != 0 || dwarf_diecu(die, &cu, nullptr, nullptr) == nullptr ||
        dwarf_getsrcfiles(&cu, &files, &count) != 0 || index >= count) {
      return nullptr;
    }
    return dwarf_filesrc(files, index, nullptr, nullptr);
  }

  void Variable(Dwarf_Die* die) {
    Dwarf_Attribute attr;
    Dwarf_Op* ops = nullptr;
    size_t n = 0;
    if (dwarf_attr(die, DW_AT_location, &attr) == nullptr ||
        dwarf_getlocation(&attr, &ops, &n) != 0 || n != 1) {
      return;
    }
    Dwarf_Addr addr = 0;
    if (ops[0].atom == DW_OP_addr) {
      addr = ops[0].number;
    } else if (ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) {
      // DWARF 5 (clang's default): an index into .debug_addr.
      Dwarf_Attribute addr_attr;
      if (dwarf_getlocation_attr(&attr, ops, &addr_attr) != 0 ||
          dwarf_formaddr(&addr_attr, &addr) != 0) {
        return;
      }
    } else {
      return;
    }
    const uintptr_t start = module_.bias + addr;
    Dwarf_Word size = 1;
    Dwarf_Die type;
    if (dwarf_attr_integrate(die, DW_AT_type, &attr) != nullptr &&
        dwarf_formref_die(&attr, &type) != nullptr) {
      dwarf_aggregate_size(&type, &size);
    }
    auto it = std::lower_bound(wanted_.begin(), wanted_.end(), start);
    for (; it != wanted_.end() && *it < start + std::max<Dwarf_Word>(size, 1); ++it) {
      graph::KeyLocation& loc = (*out_)[*it];
      // The unit tells apart the static keys of one inline function in two
      // translation units (same file, line and symbol); the offset tells
      // apart the elements of a key array.
      loc.set_unit(unit_);
      loc.set_offset(*it - start);
      int line = 0;
      const char* file = DeclFile(die);
      if (file != nullptr && dwarf_decl_line(die, &line) == 0) {
        loc.set_file(ShortFile(file, comp_dir_));
        loc.set_line(uint32_t(line));
      }
      const char* linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
      const char* name = dwarf_diename(die);
      if (linkage != nullptr) {
        loc.set_symbol(Demangle(linkage));
      } else if (name != nullptr) {
        loc.set_symbol(name);
      }
    }
  }

  const Module& module_;
  std::vector<uintptr_t> wanted_;  // sorted
  std::map<uintptr_t, graph::KeyLocation>* out_;
  const char* comp_dir_ = nullptr;
  std::string unit_;
};

}  // namespace

std::map<uintptr_t, graph::KeyLocation> LocateKeys(std::vector<uintptr_t> addresses) {
  std::map<uintptr_t, graph::KeyLocation> result;
  std::vector<Module> modules;
  dl_iterate_phdr(CollectModule, &modules);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  for (const Module& m : modules) {
    std::vector<uintptr_t> wanted;
    for (uintptr_t a : addresses) {
      if (a >= m.low && a < m.high) wanted.push_back(a);
    }
    if (!wanted.empty()) ModuleScan(m, std::move(wanted), &result).Run();
  }
  return result;
}

}  // namespace lockdep
