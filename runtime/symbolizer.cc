// Symbolisation with elfutils' libdwfl: symbol tables and DWARF line tables of
// every object loaded into this process, read lazily on first use.
#include <cxxabi.h>
#include <elfutils/libdwfl.h>
#include <link.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

#include "absl/debugging/symbolize.h"
#include "runtime/internal_mutex.h"
#include "runtime/stack_trace.h"

namespace lockdep {
namespace {

// dwfl keeps a pointer to these for the whole session.
//
// Separate debug files are looked up by build ID only (/usr/lib/debug/
// .build-id/, where Debian's -dbgsym packages and libc6-dbg put them).
// dwfl_standard_find_debuginfo would also search by .gnu_debuglink, but when
// both fail it asks debuginfod: libdw 0.188 then dlopens libdebuginfod and,
// with it, libcurl and some twenty TLS and Kerberos libraries into the
// process, and downloads debug info if DEBUGINFOD_URLS is set (timeout 90 s),
// all in the middle of a report. Any library without local debug info would
// trigger it.
const Dwfl_Callbacks kDwflCallbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
    .section_address = nullptr,
    .debuginfo_path = nullptr,
};

std::string Demangle(const char* name) {
  int status = 0;
  // Only C++ names are mangled: __cxa_demangle would read a C symbol such
  // as "b" as a type encoding ("bool").
  char* demangled = std::strncmp(name, "_Z", 2) == 0
                        ? abi::__cxa_demangle(name, nullptr, nullptr, &status)
                        : nullptr;
  if (demangled == nullptr) {
    // A C name, maybe with a symbol version ("memcpy@@GLIBC_2.14") that
    // says nothing about the call site.
    return std::string(name, std::strcspn(name, "@"));
  }
  std::string result(demangled);
  std::free(demangled);
  return result;
}

// Bazel compiles with workspace-relative names (runtime/foo.cc), which DWARF
// may record joined to the compilation directory, a sandbox path that means
// nothing to a reader: strip it. Other absolute paths (system headers,
// libraries built elsewhere) are shortened to their base name.
std::string ShortPath(const char* file, const char* comp_dir) {
  if (file[0] != '/') return file;
  if (comp_dir != nullptr && comp_dir[0] != '\0') {
    const size_t n = std::strlen(comp_dir);
    if (std::strncmp(file, comp_dir, n) == 0 && file[n] == '/') {
      return file + n + 1;
    }
  }
  return std::strrchr(file, '/') + 1;
}

std::string Hex(uintptr_t pc) {
  char buf[2 + 16 + 1];
  std::snprintf(buf, sizeof(buf), "0x%" PRIxPTR, pc);
  return buf;
}

// What ReportObject needs besides the Dwfl.
struct ReportContext {
  Dwfl* dwfl;
  const char* exe;   // the main program's file
  uintptr_t vdso;    // where the vDSO's ELF header is mapped
  std::string vdso_name;
};

int ReportObject(dl_phdr_info* info, size_t, void* arg) {
  const auto& ctx = *static_cast<const ReportContext*>(arg);
  // libdwfl takes the module's start as the file's first PT_LOAD, rounded
  // down to its alignment, to compute the load bias; end is only a bound.
  uintptr_t low = UINTPTR_MAX;
  uintptr_t high = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const uintptr_t align = ph.p_align > 1 ? ph.p_align : 1;
    low = std::min(low, info->dlpi_addr + (ph.p_vaddr & ~(align - 1)));
    high = std::max(high, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
  }
  if (low >= high) return 0;
  // dwfl_linux_proc_find_elf opens absolute paths, and reads "[vdso: PID]"
  // from /proc/PID/mem. The loader names the main program "".
  const char* name = info->dlpi_name;
  if (low == ctx.vdso) {
    name = ctx.vdso_name.c_str();
  } else if (name[0] == '\0') {
    name = ctx.exe;
  }
  dwfl_report_module(ctx.dwfl, name, low, high);
  return 0;  // a failed report only costs that module's names
}

class Symbolizer {
 public:
  InternalMutex& mutex() ABSL_LOCK_RETURNED(mu_) { return mu_; }

  std::string Symbolize(uintptr_t pc) {
    InternalLock lock(mu_);
    auto it = cache_.find(pc);
    if (it != cache_.end()) return it->second;
    std::string result = Lookup(pc);
    cache_.emplace(pc, result);
    return result;
  }

 private:
  std::string Lookup(uintptr_t pc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (pc == 0) return Hex(pc);
    std::string result = LookupDwfl(pc);
    if (!result.empty()) return result;
    // absl reads ELF symbol tables itself: no offsets or lines, but it may
    // still name a pc in a module libdwfl could not read.
    char name[1024];
    if (absl::Symbolize(reinterpret_cast<const void*>(pc - 1), name,
                        sizeof(name))) {
      return name;
    }
    return Hex(pc);
  }

  // "func+0x1c/0x40 (file.cc:123)", or "" when libdwfl knows no symbol.
  std::string LookupDwfl(uintptr_t pc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!started_) {
      started_ = true;
      dwfl_ = dwfl_begin(&kDwflCallbacks);
      if (dwfl_ != nullptr) ReportModules();
    }
    if (dwfl_ == nullptr) return "";
    // A return address is the instruction after the call, which may belong
    // to the next line or even the next function: look up the call itself.
    const Dwarf_Addr addr = pc - 1;
    Dwfl_Module* module = dwfl_addrmodule(dwfl_, addr);
    if (module == nullptr) {
      ReportModules();  // maybe a library dlopen'ed since the last report
      module = dwfl_addrmodule(dwfl_, addr);
      if (module == nullptr) return "";
    }
    GElf_Off offset = 0;
    GElf_Sym sym;
    const char* name = dwfl_module_addrinfo(module, addr, &offset, &sym,
                                            nullptr, nullptr, nullptr);
    if (name == nullptr) return "";
    std::string result = Demangle(name);
    // As the kernel's %pS: the return address's offset, then the size.
    char buf[64];
    if (sym.st_size > 0) {
      std::snprintf(buf, sizeof(buf), "+0x%" PRIx64 "/0x%" PRIx64, offset + 1,
                    static_cast<uint64_t>(sym.st_size));
    } else {
      std::snprintf(buf, sizeof(buf), "+0x%" PRIx64, offset + 1);
    }
    result += buf;
    if (Dwfl_Line* line = dwfl_module_getsrc(module, addr)) {
      Dwarf_Addr line_addr = 0;
      int lineno = 0;
      const char* file =
          dwfl_lineinfo(line, &line_addr, &lineno, nullptr, nullptr, nullptr);
      // For code without line info next to code with it (crt1's _start after
      // main), libdw can answer with the neighbour's last row: only trust a
      // row that starts inside this symbol.
      if (file != nullptr && lineno > 0 && line_addr >= addr - offset) {
        result += " (" + ShortPath(file, dwfl_line_comp_dir(line)) + ":" +
                  std::to_string(lineno) + ")";
      }
    }
    return result;
  }

  // Replaces the module list with the loader's list of objects. Modules
  // reported again unchanged keep what was already read from them.
  //
  // Not dwfl_linux_proc_report: it reads /proc/self/maps, where the files
  // libdw itself has mmap'ed show up too. Such a mapping that lands next to
  // its library's own merges with it into one module with the wrong start,
  // and so the wrong load bias: every later lookup in it fails or lies.
  void ReportModules() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (exe_.empty()) {
      char path[PATH_MAX];
      const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
      exe_ = n > 0 ? std::string(path, n) : "/proc/self/exe";
    }
    ReportContext ctx{dwfl_, exe_.c_str(), getauxval(AT_SYSINFO_EHDR),
                      "[vdso: " + std::to_string(getpid()) + "]"};
    dwfl_report_begin(dwfl_);
    dl_iterate_phdr(ReportObject, &ctx);
    dwfl_report_end(dwfl_, nullptr, nullptr);
  }

  InternalMutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  Dwfl* dwfl_ ABSL_GUARDED_BY(mu_) = nullptr;  // never ended: reports may come during exit
  std::string exe_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<uintptr_t, std::string> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

// Leaked on purpose, so that a report from a static destructor or an exiting
// thread still finds it alive.
Symbolizer& TheSymbolizer() {
  static Symbolizer* const symbolizer = new Symbolizer;
  return *symbolizer;
}

thread_local int t_symbolizing = 0;

std::string SymbolizePc(uintptr_t pc) {
  ++t_symbolizing;
  std::string s = TheSymbolizer().Symbolize(pc);
  --t_symbolizing;
  return s;
}

bool SymbolizingOnThisThread() { return t_symbolizing != 0; }

InternalMutex& SymbolizerMutex() { return TheSymbolizer().mutex(); }

void AppendTrace(std::string* out, std::span<const uintptr_t> pcs,
                 int indent) {
  for (uintptr_t pc : pcs) {
    out->append(static_cast<size_t>(std::max(indent, 0)), ' ');
    out->append(SymbolizePc(pc));
    out->push_back('\n');
  }
}

}  // namespace lockdep
