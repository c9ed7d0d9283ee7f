// Symbolisation with elfutils' libdwfl: symbol tables and DWARF line tables of
// every object loaded into this process, read lazily on first use.
#include <cxxabi.h>
#include <dlfcn.h>
#include <errno.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <link.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/debugging/symbolize.h"
#include "runtime/stacks/frame_filter.h"
#include "runtime/base/internal_mutex.h"
#include "runtime/base/options.h"
#include "runtime/stacks/source_frames.h"
#include "runtime/stacks/stack_room.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/stacks/unit_scopes.h"

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
  while (file[0] == '.' && file[1] == '/') file += 2;  // "./instrument/cxx.h"
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

bool IsInternalModule(const char* module_name);

// A pc no symbol covers (a stripped program's own function, a static
// function of a stripped library such as libstdc++'s thread entry): named
// "module+0xoffset" from the module's load address, the same in every run
// and process (ASLR moves the address, not the offset); "0x..." outside any
// module. *internal: the module is the C++ library's or lockdep's own.
std::string ModuleOffset(uintptr_t pc, bool* internal) {
  Dl_info info;
  if (pc == 0 || dladdr(reinterpret_cast<void*>(pc - 1), &info) == 0 ||
      info.dli_fbase == nullptr) {
    return Hex(pc);
  }
  const char* file = info.dli_fname;
  const char* base = file != nullptr ? std::strrchr(file, '/') : nullptr;
  // The main program's entry in the loader's list has an empty name.
  const char* module = base != nullptr ? base + 1
                       : (file != nullptr && file[0] != '\0') ? file
                                                               : program_invocation_short_name;
  *internal = IsInternalModule(file);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "+0x%" PRIxPTR,
                pc - reinterpret_cast<uintptr_t>(info.dli_fbase));
  return std::string(module) + buf;
}


bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Where lockdep's own sources sit, as its compiler named them: "" when this
// workspace is lockdep's, "external/lockdep/" (whatever the repository is
// called) when another workspace depends on it, an absolute directory for a
// CMake build. Read from this file's own name, so that a user's directory
// that merely shares a name (their own runtime/, or external/foo/runtime/)
// is never taken for lockdep's.
const std::string& LockdepSourceRoot() {
  static const std::string* const root = [] {
    std::string self = __FILE__;
    constexpr std::string_view kSelf = "runtime/stacks/symbolizer.cc";
    const size_t at = self.size() >= kSelf.size() ? self.size() - kSelf.size() : 0;
    if (self.compare(at, std::string::npos, kSelf) == 0) self.resize(at);
    while (self.compare(0, 2, "./") == 0) self.erase(0, 2);
    return new std::string(self);
  }();
  return *root;
}

// Code a reader of a report did not write: the C++ standard library's headers
// and shared library, and lockdep's own runtime/ and instrument/ sources
// (under LockdepSourceRoot(), or installed headers under include/lockdep/).
// Tests of lockdep itself are user code.
bool IsInternalFile(const std::string& path) {
  if (path.find("/include/c++/") != std::string::npos) return true;  // libstdc++
  // libstdc++'s target headers: /usr/include/x86_64-linux-gnu/c++/12/bits/
  // (gthr-default.h, whose __gthread_mutex_lock calls pthread_mutex_lock).
  if (const size_t cxx = path.find("/c++/"); cxx != std::string::npos) {
    const size_t inc = path.rfind("/include/", cxx);
    if (inc != std::string::npos && path.find('/', inc + 9) == cxx) return true;
  }
  if (path.find("/c++/v1/") != std::string::npos) return true;       // libc++
  if (EndsWith(path, "_test.cc") || path.find("/tests/") != std::string::npos) {
    return false;
  }
  const std::string& root = LockdepSourceRoot();
  size_t at = std::string::npos;
  if (path.compare(0, root.size(), root) == 0) {
    at = root.size();
  } else if (const size_t inc = path.find("/include/lockdep/");
             inc != std::string::npos) {
    at = inc + 17;
  }
  if (at == std::string::npos) return false;
  for (const char* dir : {"runtime/", "instrument/"}) {
    if (path.compare(at, std::strlen(dir), dir) == 0) return true;
  }
  return false;
}

bool IsInternalModule(const char* module_name) {
  if (module_name == nullptr) return false;
  return std::strstr(module_name, "libstdc++") != nullptr ||
         std::strstr(module_name, "libc++") != nullptr ||
         std::strstr(module_name, "liblockdep") != nullptr;
}

// The DIE that names scope: an inlined call or out-of-line copy points at its
// abstract function, a definition at its declaration.
Dwarf_Die NamingDie(Dwarf_Die* scope) {
  Dwarf_Die die = *scope;
  for (int hops = 0; hops < 4 && !dwarf_hasattr(&die, DW_AT_name); ++hops) {
    Dwarf_Attribute attr;
    Dwarf_Attribute* ref = dwarf_attr(&die, DW_AT_abstract_origin, &attr);
    if (ref == nullptr) ref = dwarf_attr(&die, DW_AT_specification, &attr);
    Dwarf_Die next;
    if (ref == nullptr || dwarf_formref_die(ref, &next) == nullptr) break;
    die = next;
  }
  return die;
}

// The name of named, qualified by the namespaces and classes around it, as a
// demangled symbol is: gcc gives no linkage name to functions of internal
// linkage (an anonymous namespace's, static ones).
std::string QualifiedName(UnitScopes& units, Dwarf_Die* named, const char* name) {
  std::string qualified = name;
  Dwarf_Die* outer = nullptr;
  const int n = units.ScopesOf(named, &outer);
  for (int i = 1; i < n; ++i) {  // outer[0] is named itself
    const int tag = dwarf_tag(&outer[i]);
    if (tag != DW_TAG_namespace && tag != DW_TAG_class_type &&
        tag != DW_TAG_structure_type && tag != DW_TAG_union_type) {
      break;  // a function's local class: its name alone reads better
    }
    const char* part = dwarf_diename(&outer[i]);
    if (part == nullptr && tag != DW_TAG_namespace) break;  // a lambda's class
    qualified.insert(0, "::");
    qualified.insert(0, part != nullptr ? part : "(anonymous namespace)");
  }
  std::free(outer);
  return qualified;
}

// The function a DWARF scope (subprogram or inlined_subroutine) stands for,
// demangled; abstract origins and declarations are followed.
std::string ScopeName(UnitScopes& units, Dwarf_Die* scope) {
  Dwarf_Attribute attr;
  for (int name_attr : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (dwarf_attr_integrate(scope, name_attr, &attr) != nullptr) {
      if (const char* linkage = dwarf_formstring(&attr)) return Demangle(linkage);
    }
  }
  Dwarf_Die named = NamingDie(scope);
  if (const char* name = dwarf_diename(&named)) return QualifiedName(units, &named, name);
  return "";
}

// The compilation unit whose code holds addr, and the bias to subtract from
// addr for its DWARF addresses; nullptr when none does.
//
// dwfl_module_addrdie finds units through .debug_aranges only, which clang
// does not emit unless asked (-gdwarf-aranges): without it every pc of a
// clang-compiled object would lose its file:line. Those units are found by
// their own address ranges instead, one unit header after another (slow in
// a big module, but once per pc: callers cache).
Dwarf_Die* UnitAt(Dwfl_Module* module, Dwarf_Addr addr, Dwarf_Addr* bias) {
  if (Dwarf_Die* cu = dwfl_module_addrdie(module, addr, bias)) return cu;
  Dwarf_Die* cu = nullptr;
  while ((cu = dwfl_module_nextcu(module, cu, bias)) != nullptr) {
    if (dwarf_haspc(cu, addr - *bias) > 0) return cu;
  }
  return nullptr;
}

// What ReportObject needs besides the Dwfl.
struct ReportContext {
  Dwfl* dwfl;
  const char* exe;   // the main program's file
  uintptr_t vdso;    // where the vDSO's ELF header is mapped
  std::string vdso_name;
};

// The absolute path of the file mapped at `addr`, from /proc/self/maps; ""
// when it cannot be read. The loader keeps a library's name as it was given
// (dlopen("./libx.so"), a relative LD_LIBRARY_PATH entry), which libdw does
// not open, and which may no longer resolve once the program has changed
// directory; the kernel names the mapping by its absolute path.
std::string MappedFileAt(uintptr_t addr) {
  std::string path;
  FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return path;
  char line[PATH_MAX + 128];
  while (std::fgets(line, sizeof(line), maps) != nullptr) {
    unsigned long begin = 0, end = 0;
    int name_at = 0;
    if (std::sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &begin, &end,
                    &name_at) < 2 ||
        addr < begin || addr >= end || name_at <= 0) {
      continue;
    }
    const char* name = line + name_at;
    if (name[0] == '/') path.assign(name, std::strcspn(name, "\n"));
    break;
  }
  std::fclose(maps);
  return path;
}

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
  std::string absolute;
  if (low == ctx.vdso) {
    name = ctx.vdso_name.c_str();
  } else if (name[0] == '\0') {
    name = ctx.exe;
  } else if (name[0] != '/') {
    absolute = MappedFileAt(low);
    if (!absolute.empty()) name = absolute.c_str();
  }
  dwfl_report_module(ctx.dwfl, name, low, high);
  return 0;  // a failed report only costs that module's names
}

// The lockdep lock type `lock_type` ("lockdep::Mutex") is what `member`
// holds (through typedefs and qualifiers).
bool HoldsLockType(UnitScopes& units, Dwarf_Die* member, const char* lock_type) {
  Dwarf_Attribute attr;
  Dwarf_Die type;
  if (dwarf_formref_die(dwarf_attr_integrate(member, DW_AT_type, &attr), &type) ==
      nullptr) {
    return false;
  }
  for (int hops = 0; hops < 8; ++hops) {
    const int tag = dwarf_tag(&type);
    if (tag != DW_TAG_typedef && tag != DW_TAG_const_type &&
        tag != DW_TAG_volatile_type) {
      break;
    }
    if (dwarf_formref_die(dwarf_attr_integrate(&type, DW_AT_type, &attr), &type) ==
        nullptr) {
      return false;
    }
  }
  const int tag = dwarf_tag(&type);
  if (tag != DW_TAG_structure_type && tag != DW_TAG_class_type) return false;
  const char* name = dwarf_diename(&type);
  return name != nullptr && QualifiedName(units, &type, name) == lock_type;
}

// The class whose constructor `scope` (a subprogram or an inlined copy) is,
// with its data members of `lock_type` in declaration order; an empty
// class_name when scope is not a constructor.
ConstructorFrame ConstructorOf(UnitScopes& units, Dwarf_Die* scope, const char* lock_type,
                               Dwarf_Die* cudie, const char* comp_dir) {
  ConstructorFrame result;
  Dwarf_Die named = NamingDie(scope);
  const char* function = dwarf_diename(&named);
  Dwarf_Die* outer = nullptr;
  const int n = units.ScopesOf(&named, &outer);
  Dwarf_Die cls;
  const bool in_class = n >= 2 && (dwarf_tag(&outer[1]) == DW_TAG_structure_type ||
                                   dwarf_tag(&outer[1]) == DW_TAG_class_type);
  if (in_class) cls = outer[1];
  std::free(outer);
  if (!in_class || function == nullptr) return result;
  const char* class_name = dwarf_diename(&cls);
  if (class_name == nullptr) return result;  // a lambda's
  // A constructor is named as its class, without template arguments.
  if (std::string_view(class_name).substr(0, std::strcspn(class_name, "<")) !=
      function) {
    return result;
  }
  result.class_name = QualifiedName(units, &cls, class_name);
  Dwarf_Die child;
  if (dwarf_child(&cls, &child) != 0) return result;
  do {
    // Static data members are DW_TAG_variable (DWARF 5) or external.
    if (dwarf_tag(&child) != DW_TAG_member || dwarf_hasattr(&child, DW_AT_external) ||
        !HoldsLockType(units, &child, lock_type)) {
      continue;
    }
    LockMember member;
    if (const char* name = dwarf_diename(&child)) member.name = name;
    const char* file = dwarf_decl_file(&child);
    Dwarf_Attribute attr;
    Dwarf_Word index = 0;
    Dwarf_Files* files = nullptr;
    // libdw 0.188 answers nothing for clang's DWARF 5 here: read the unit's
    // file table directly.
    if (file == nullptr &&
        dwarf_formudata(dwarf_attr(&child, DW_AT_decl_file, &attr), &index) == 0 &&
        dwarf_getsrcfiles(cudie, &files, nullptr) == 0) {
      file = dwarf_filesrc(files, index, nullptr, nullptr);
    }
    if (file != nullptr) member.file = ShortPath(file, comp_dir);
    dwarf_decl_line(&child, &member.line);
    result.members.push_back(std::move(member));
  } while (dwarf_siblingof(&child, &child) == 0);
  return result;
}

class Symbolizer {
 public:
  InternalMutex& mutex() ABSL_LOCK_RETURNED(mu_) { return mu_; }

  std::vector<SourceFrame> Frames(uintptr_t pc) {
    InternalLock lock(mu_);
    ForgetUnloadedModules();
    auto it = cache_.find(pc);
    if (it != cache_.end()) return it->second;
    std::vector<SourceFrame> result = Lookup(pc);
    cache_.emplace(pc, result);
    return result;
  }

  ConstructorFrame Constructor(uintptr_t pc, size_t frame, size_t frames_at_pc,
                               const char* lock_type) {
    InternalLock lock(mu_);
    ConstructorFrame result;
    if (dwfl_ == nullptr) return result;  // Frames(pc) came first, or failed
    const Dwarf_Addr addr = pc - 1;
    Dwfl_Module* module = dwfl_addrmodule(dwfl_, addr);
    Dwarf_Addr bias = 0;
    Dwarf_Die* cudie = module != nullptr ? UnitAt(module, addr, &bias) : nullptr;
    if (cudie == nullptr) return result;
    std::vector<Dwarf_Die> scopes;
    unit_scopes_.At(cudie, addr - bias, &scopes);
    // As LookupDwfl numbers frames: inlined calls innermost first, then the
    // physical function.
    std::vector<Dwarf_Die*> frames;
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      if (dwarf_tag(&*it) == DW_TAG_inlined_subroutine) frames.push_back(&*it);
    }
    for (Dwarf_Die& scope : scopes) {
      if (dwarf_tag(&scope) == DW_TAG_subprogram) {
        frames.push_back(&scope);
        break;
      }
    }
    if (frames.size() != frames_at_pc || frame >= frames.size()) return result;
    Dwarf_Attribute attr;
    const char* comp_dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr));
    Dwarf_Addr start = 0;
    dwfl_module_info(module, nullptr, &start, nullptr, nullptr, nullptr, nullptr,
                     nullptr);
    result = ConstructorOf(unit_scopes_, frames[frame], lock_type, cudie, comp_dir);
    if (!result.class_name.empty()) {
      result.instance = (start * 0x9E3779B97F4A7C15ull) ^ dwarf_dieoffset(frames[frame]);
    }
    return result;
  }

 private:
  // Drops every answer about addresses when the loader has unloaded an
  // object since the last call: another may now sit at the same addresses.
  // Costs a dl_iterate_phdr step (the loader's lock) per call.
  void ForgetUnloadedModules() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const uint64_t unloads = ModuleUnloadCount();
    if (unloads == unloads_) return;
    unloads_ = unloads;
    cache_.clear();
    unit_scopes_.Clear();
    if (dwfl_ != nullptr) ReportModules();
  }

  std::vector<SourceFrame> Lookup(uintptr_t pc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<SourceFrame> frames;
    if (pc != 0) frames = LookupDwfl(pc);
    if (!frames.empty()) return frames;
    SourceFrame f;
    // absl reads ELF symbol tables itself: no offsets or lines, but it may
    // still name a pc in a module libdwfl could not read.
    char name[1024];
    if (pc != 0 && absl::Symbolize(reinterpret_cast<const void*>(pc - 1), name,
                                   sizeof(name))) {
      f.function = name;
      f.text = name;
    } else {
      f.text = ModuleOffset(pc, &f.internal);
    }
    // A pc without a symbol in the C++ library (a stripped libstdc++'s
    // thread start routine) is still the library's: hidden as its
    // symbolised neighbours are.
    Dl_info where;
    if (pc != 0 && dladdr(reinterpret_cast<const void*>(pc - 1), &where) != 0) {
      f.internal = IsInternalModule(where.dli_fname);
    }
    frames.push_back(std::move(f));
    return frames;
  }

  // The frames of the code at pc, inlined callees first, each shown as
  // "func+0x1c/0x40 (file.cc:123)" (the offset and size are the physical
  // function's: inlined code has none of its own); empty when libdwfl knows
  // no symbol.
  std::vector<SourceFrame> LookupDwfl(uintptr_t pc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<SourceFrame> frames;
    if (!started_) {
      started_ = true;
      dwfl_ = dwfl_begin(&kDwflCallbacks);
      if (dwfl_ != nullptr) ReportModules();
    }
    if (dwfl_ == nullptr) return frames;
    // A return address is the instruction after the call, which may belong
    // to the next line or even the next function: look up the call itself.
    const Dwarf_Addr addr = pc - 1;
    Dwfl_Module* module = dwfl_addrmodule(dwfl_, addr);
    if (module == nullptr) {
      ReportModules();  // maybe a library dlopen'ed since the last report
      module = dwfl_addrmodule(dwfl_, addr);
      if (module == nullptr) return frames;
    }
    GElf_Off offset = 0;
    GElf_Sym sym;
    const char* name = dwfl_module_addrinfo(module, addr, &offset, &sym,
                                            nullptr, nullptr, nullptr);
    if (name == nullptr) return frames;
    const bool internal_module = IsInternalModule(
        dwfl_module_info(module, nullptr, nullptr, nullptr, nullptr, nullptr,
                         nullptr, nullptr));
    // As the kernel's %pS: the return address's offset, then the size.
    char where[64];
    if (sym.st_size > 0) {
      std::snprintf(where, sizeof(where), "+0x%" PRIx64 "/0x%" PRIx64,
                    offset + 1, static_cast<uint64_t>(sym.st_size));
    } else {
      std::snprintf(where, sizeof(where), "+0x%" PRIx64, offset + 1);
    }
    // The line of the innermost frame, from its unit's line table.
    std::string file;
    int lineno = 0;
    const char* comp_dir = nullptr;
    Dwarf_Addr bias = 0;
    Dwarf_Die* cudie = UnitAt(module, addr, &bias);
    if (Dwarf_Line* line =
            cudie != nullptr ? dwarf_getsrc_die(cudie, addr - bias) : nullptr) {
      Dwarf_Addr line_addr = 0;
      const char* f = dwarf_linesrc(line, nullptr, nullptr);
      // For code without line info next to code with it (crt1's _start after
      // main), libdw can answer with the neighbour's last row: only trust a
      // row that starts inside this symbol.
      if (f != nullptr && dwarf_lineno(line, &lineno) == 0 && lineno > 0 &&
          dwarf_lineaddr(line, &line_addr) == 0 &&
          line_addr + bias >= addr - offset) {
        file = f;
        Dwarf_Attribute attr;
        comp_dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr));
      } else {
        lineno = 0;
      }
    }
    if (lineno == 0) cudie = nullptr;
    // Inlined frames from the DWARF scopes at addr, as llvm-symbolizer does:
    // each DW_TAG_inlined_subroutine is one frame, and its
    // call_file:call_line is the line of the frame around it.
    std::vector<Dwarf_Die> scopes;
    if (cudie != nullptr) unit_scopes_.At(cudie, addr - bias, &scopes);
    Dwarf_Files* files = nullptr;
    if (!scopes.empty() && dwarf_getsrcfiles(cudie, &files, nullptr) != 0) {
      files = nullptr;
    }
    // Innermost first.
    for (auto it = scopes.rbegin(); it != scopes.rend() && files != nullptr; ++it) {
      Dwarf_Die* scope = &*it;
      if (dwarf_tag(scope) != DW_TAG_inlined_subroutine) continue;
      frames.push_back(MakeFrame(ScopeName(unit_scopes_, scope), where, file, lineno,
                                 comp_dir, internal_module));
      Dwarf_Attribute attr;
      Dwarf_Word call_file = 0;
      Dwarf_Word call_line = 0;
      // Without a call site (rare), the caller keeps the callee's line:
      // better than losing the frames around it.
      if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_file, &attr),
                          &call_file) == 0 &&
          dwarf_formudata(dwarf_attr(scope, DW_AT_call_line, &attr),
                          &call_line) == 0) {
        if (const char* f = dwarf_filesrc(files, call_file, nullptr, nullptr)) {
          file = f;
          lineno = static_cast<int>(call_line);
        }
      }
    }
    // The physical function: its symbol, the line reached last.
    frames.push_back(
        MakeFrame(Demangle(name), where, file, lineno, comp_dir, internal_module));
    return frames;
  }

  static SourceFrame MakeFrame(std::string function, const char* where,
                               const std::string& file, int line,
                               const char* comp_dir, bool internal_module) {
    SourceFrame f;
    f.function = std::move(function);
    f.text = f.function + where;
    if (!file.empty() && line > 0) {
      f.file = ShortPath(file.c_str(), comp_dir);
      f.line = line;
      f.text += " (" + f.file + ":" + std::to_string(line) + ")";
    }
    // The full path tells the standard library's headers; the short one,
    // relative to the compilation directory, tells lockdep's sources.
    f.internal = internal_module || IsInternalFile(file) || IsInternalFile(f.file);
    if (f.file.empty() && (f.function.rfind("std::", 0) == 0 ||
                           f.function.rfind("__gnu_cxx::", 0) == 0)) {
      f.internal = true;  // no line info: judge by the namespace
    }
    return f;
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
  std::unordered_map<uintptr_t, std::vector<SourceFrame>> cache_ ABSL_GUARDED_BY(mu_);
  uint64_t unloads_ ABSL_GUARDED_BY(mu_) = 0;
  UnitScopes unit_scopes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

// Leaked on purpose, so that a report from a static destructor or an exiting
// thread still finds it alive.
Symbolizer& TheSymbolizer() {
  static Symbolizer* const symbolizer = new Symbolizer;
  return *symbolizer;
}

thread_local int t_symbolizing = 0;
std::atomic<void (*)()> g_symbolize_hook{nullptr};

void SetSymbolizeHookForTesting(void (*hook)()) {
  g_symbolize_hook.store(hook, std::memory_order_release);
}

std::vector<SourceFrame> SourceFramesOfPc(uintptr_t pc) {
  if (auto* hook = g_symbolize_hook.load(std::memory_order_acquire)) hook();
  ++t_symbolizing;
  std::vector<SourceFrame> frames;
  // libdw's readers are deep (a line table took 150 KiB of stack): a thread
  // with a small stack symbolises on a second one (stack_room.h).
  WithStackRoom(kSymbolizeStackRoom, [&] { frames = TheSymbolizer().Frames(pc); });
  --t_symbolizing;
  return frames;
}

ConstructorFrame ConstructorOfFrame(uintptr_t pc, size_t frame,
                                    const char* lock_type) {
  const size_t frames_at_pc = SourceFramesOfPc(pc).size();
  ++t_symbolizing;
  ConstructorFrame result =
      TheSymbolizer().Constructor(pc, frame, frames_at_pc, lock_type);
  --t_symbolizing;
  return result;
}

uint64_t ModuleUnloadCount() {
  uint64_t unloads = 0;
  // dl_iterate_phdr takes the loader's lock, which a fork() must not copy
  // held (the child would hang at its next lock construction): the fork
  // handlers wait for every UnwindScope to end.
  UnwindScope scope;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t size, void* arg) {
        // glibc counts objects loaded and unloaded in every entry.
        if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
          *static_cast<uint64_t*>(arg) = info->dlpi_subs;
        }
        return 1;
      },
      &unloads);
  return unloads;
}

void SetShowInternalFrames(bool show) {
  g_show_internal_frames.store(show, std::memory_order_relaxed);
}

bool ShowInternalFrames() {
  return g_show_internal_frames.load(std::memory_order_relaxed);
}

std::string SymbolizePc(uintptr_t pc) {
  std::vector<SourceFrame> frames = SourceFramesOfPc(pc);
  if (!ShowInternalFrames()) {
    for (SourceFrame& f : frames) {
      if (!f.internal) return std::move(f.text);
    }
  }
  return std::move(frames.front().text);  // innermost
}

bool SymbolizingOnThisThread() { return t_symbolizing != 0; }

InternalMutex& SymbolizerMutex() { return TheSymbolizer().mutex(); }

void AppendTrace(std::string* out, std::span<const uintptr_t> pcs,
                 int indent) {
  const std::string pad(static_cast<size_t>(std::max(indent, 0)), ' ');
  std::vector<SourceFrame> frames;
  std::vector<FrameFlags> flags;
  frames.reserve(pcs.size());
  for (uintptr_t pc : pcs) {
    std::vector<SourceFrame> inlined = SourceFramesOfPc(pc);
    for (size_t k = 0; k < inlined.size(); ++k) {
      flags.push_back({inlined[k].internal, k > 0});
      frames.push_back(std::move(inlined[k]));
    }
  }
  const std::vector<bool> shown = ShownFrames(flags, ShowInternalFrames());
  for (size_t i = 0; i < frames.size(); ++i) {
    if (shown[i]) out->append(pad).append(frames[i].text).push_back('\n');
  }
}

}  // namespace lockdep
