#include "instrument/cxx/class_registry.h"

#include <pthread.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "instrument/cxx/call_site.h"
#include "runtime/stacks/code_address.h"
#include "runtime/base/internal_mutex.h"
#include "runtime/graph/key_origin.h"
#include "runtime/lockdep.h"
#include "runtime/stacks/source_frames.h"
#include "runtime/stacks/stack_trace.h"

namespace lockdep::internal {
namespace {

struct Entry {
  lock_class_key key;
  // Copies, so the registry never depends on the caller's strings (a file
  // name from a dlclose()d library, a name built at run time).
  std::string file;
  std::string given_name;
  std::string class_name;
};

// (kind, file, line, ordinal at that site, given name or member); the views
// point into the Entry, which never moves.
enum class SiteKind { kSite, kMember };
using SiteId = std::tuple<SiteKind, std::string_view, unsigned, unsigned,
                          std::string_view>;

// mu is a leaf: nothing calls into the runtime (or takes any other lock)
// while holding it, so the fork handlers below may take it at any point of
// the runtime's own fork sequence.
struct Registry {
  InternalMutex mu;
  std::map<SiteId, Entry*> entries ABSL_GUARDED_BY(mu);
  // Unnamed constructions: the class of a constructor's return address,
  // when that address alone decides it; forgotten with the ordinals below
  // when an object is unloaded (another may take its addresses).
  std::map<uintptr_t, SiteClass> by_return_address ABSL_GUARDED_BY(mu);
  uint64_t unloads ABSL_GUARDED_BY(mu) = 0;
  // Per copy of a constructor's code and lock type, its call instructions
  // that build locks of that type, in the order they first ran.
  std::map<std::pair<uint64_t, std::string_view>, std::vector<uintptr_t>>
      calls_by_constructor ABSL_GUARDED_BY(mu);
  // The call instructions seen per inline context (the user frame and the
  // frames it is inlined into), in the order they first ran: a call's index
  // is its ordinal at the site.
  std::map<std::string, std::vector<uintptr_t>> calls_by_context ABSL_GUARDED_BY(mu);
};

// Leaked on purpose: locks may be constructed and destroyed during static
// initialisation and destruction, in any order. Its lock is held across
// fork() (handlers registered before main, below), so a child forked while
// another thread constructs a lock can construct its own.
//
// The initializer does nothing but allocate: a thread inside it holds the
// static's guard, and a fork() at that moment leaves the child waiting on
// that guard forever. Registering the fork handlers in here did exactly that
// (pthread_atfork waits for a fork in progress, so the guard was inherited
// held).
Registry& GetRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

void ForkPrepare() ABSL_NO_THREAD_SAFETY_ANALYSIS { GetRegistry().mu.lock(); }
void ForkRelease() ABSL_NO_THREAD_SAFETY_ANALYSIS { GetRegistry().mu.unlock(); }

// Before main, while the program has one thread: the registry's guard is
// then never held across a fork that a program makes from its threads.
__attribute__((constructor)) void RegisterForkHandlers() {
  GetRegistry();
  pthread_atfork(ForkPrepare, ForkRelease, ForkRelease);
}

std::string_view Basename(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The entry for a site, made on first use; `origin` says where its locks
// come from (for reports) and `identity` which class it is in any run (for
// graph files, runtime/graph/key_origin.h), both recorded when the entry is made. The key is
// registered outside registry.mu (registering takes the graph lock); of two
// threads making one site's entry at once, the first to insert wins.
template <typename Origin>
Entry* FindOrAdd(Registry& registry, SiteKind kind, std::string_view file,
                 unsigned line, unsigned ordinal, std::string_view name,
                 Origin origin, const std::string& identity) {
  {
    InternalLock guard(registry.mu);
    auto it = registry.entries.find(SiteId(kind, file, line, ordinal, name));
    if (it != registry.entries.end()) return it->second;
  }
  Entry* entry = new Entry;
  entry->file = file;
  entry->given_name = name;
  if (kind == SiteKind::kMember) {
    entry->class_name = std::string(name) + " (" + std::string(Basename(file)) +
                        ":" + std::to_string(line) + ")";
  } else if (!name.empty()) {
    entry->class_name = name;
  } else {
    entry->class_name = std::string(Basename(file));
    if (line > 0) entry->class_name += ":" + std::to_string(line);
    if (ordinal > 0) entry->class_name += "#" + std::to_string(ordinal + 1);
  }
  lockdep_register_key(&entry->key);
  Entry* winner;
  {
    InternalLock guard(registry.mu);
    winner = registry.entries
                 .emplace(SiteId(kind, entry->file, line, ordinal, entry->given_name),
                          entry)
                 .first->second;
  }
  if (winner != entry) {
    lockdep_unregister_key(&entry->key);
    delete entry;
    return winner;
  }
  SetKeyOrigin(&entry->key, origin(*entry));
  SetKeyIdentity(&entry->key, identity);
  return entry;
}

// Where an unnamed lock's constructor was called from, in the user's code.
struct UserSite {
  uintptr_t call = 0;       // return address of the physical frame
  std::string context;      // the user frame and those it is inlined into
  SourceFrame frame;        // the user frame
  size_t frame_index = 0;   // its index among the frames at `call`
  bool direct = false;      // found in the constructor's caller itself
  // The user's code called the constructor through library code (a factory,
  // a container): no member ordinals then, so every lock that one line asks
  // the library for is one class however the library's loop was compiled.
  bool through_library = false;
};

// The user site among `pcs` (innermost first, pcs[0] the constructor's
// return address); false when a frame nothing is known of (no symbol: the
// unwinder went astray) or the end comes first.
bool FindUserSiteIn(const uintptr_t* pcs, int n, UserSite* site) {
  for (int i = 0; i < n; ++i) {
    std::vector<SourceFrame> frames = SourceFramesOfPc(pcs[i]);
    if (frames.back().function.empty()) return false;
    for (size_t k = 0; k < frames.size(); ++k) {
      if (frames[k].internal) continue;
      site->call = pcs[i];
      site->direct = i == 0;
      // Frame 0 at the call is lockdep's inline constructor itself.
      site->through_library = i > 0 || k > 1;
      for (size_t j = k; j < frames.size(); ++j) {
        site->context += frames[j].function + " " + frames[j].file + ":" +
                         std::to_string(frames[j].line) + "\n";
      }
      site->frame = std::move(frames[k]);
      site->frame_index = k;
      return true;
    }
  }
  return false;
}

UserSite FindUserSite(uintptr_t ra, const void* frame) {
  constexpr int kMaxFrames = 32;
  uintptr_t pcs[kMaxFrames];
  UserSite site;
  // The unwinder (DWARF CFI) first; where it cannot step through a frame
  // (seen under AddressSanitizer), the frame pointers.
  const int n = CaptureStack(pcs, kMaxFrames, 0);
  int first = 0;
  while (first < n && pcs[first] != ra) ++first;
  if (first < n && FindUserSiteIn(pcs + first, n - first, &site)) return site;
  const int m = FramePointerStack(frame, pcs, kMaxFrames);
  if (m > 0 && pcs[0] == ra && FindUserSiteIn(pcs, m, &site)) return site;
  // Only internal frames: the constructor's caller, whatever it is.
  std::vector<SourceFrame> frames = SourceFramesOfPc(ra);
  site = UserSite{};
  site.call = ra;
  site.direct = true;
  site.context = frames.front().text;
  site.frame = std::move(frames.front());
  return site;
}

// The identity of an unnamed construction's class: the call instruction
// that the ordinal stands for (the ordinal itself follows the order calls
// ran in); the line alone when a library made the call (one class per line).
std::string ConstructionIdentity(const UserSite& site, const std::string& file,
                                 unsigned line) {
  std::string where = file + ":" + std::to_string(line);
  if (site.through_library) return where;
  const std::string call = CodeAddressIdentity(site.call);
  return call.empty() ? where : where + "|" + call;
}

}  // namespace

SiteClass ClassForSite(const char* file, unsigned line, const char* name) {
  const std::string_view file_view = file != nullptr ? file : "?";
  const std::string_view name_view = name != nullptr ? name : "";
  Entry* entry = FindOrAdd(
      GetRegistry(), SiteKind::kSite, file_view, line, 0, name_view,
      [&](const Entry& e) {
        return (name_view.empty() ? std::string("constructed at ")
                                  : "named \"" + e.given_name + "\" when constructed at ") +
               std::string(Basename(file_view)) + ":" + std::to_string(line);
      },
      // The registry's own key for the entry: full path, line and name.
      std::string(file_view) + ":" + std::to_string(line) + "|" + std::string(name_view));
  return SiteClass{&entry->key, entry->class_name.c_str()};
}

namespace {

// The member of a class that the constructor call at `site` builds, when
// the debug information says the call is in a constructor of a class with
// data members of `type_name`: the calls of one copy of the constructor's
// code build its members of that type in declaration order, each call
// instruction always the same member. Ordinals are counted modulo the
// members, since one copy of the code can build several objects (a loop the
// compiler unrolled around an inlined constructor: arr[0]'s and arr[1]'s
// members under one scope of the debug information).
std::optional<LockMember> MemberBuiltAt(Registry& registry, const UserSite& site,
                                        const char* type_name) {
  if (!site.direct || site.frame.file.empty()) return std::nullopt;
  ConstructorFrame ctor = ConstructorOfFrame(site.call, site.frame_index, type_name);
  if (ctor.instance == 0 || ctor.members.empty()) return std::nullopt;
  size_t ordinal = 0;
  {
    InternalLock guard(registry.mu);
    std::vector<uintptr_t>& calls =
        registry.calls_by_constructor[{ctor.instance, type_name}];
    while (ordinal < calls.size() && calls[ordinal] != site.call) ++ordinal;
    if (ordinal == calls.size()) calls.push_back(site.call);
  }
  LockMember member = std::move(ctor.members[ordinal % ctor.members.size()]);
  member.name = ctor.class_name + "::" + member.name;
  return member;
}

}  // namespace

SiteClass ClassForConstruction(uintptr_t ra, const void* frame,
                               const char* type_name) {
  Registry& registry = GetRegistry();
  const uint64_t unloads = ModuleUnloadCount();
  {
    InternalLock guard(registry.mu);
    if (unloads != registry.unloads) {
      registry.unloads = unloads;
      registry.by_return_address.clear();
      registry.calls_by_constructor.clear();
      registry.calls_by_context.clear();
    }
    auto it = registry.by_return_address.find(ra);
    if (it != registry.by_return_address.end()) return it->second;
  }
  // Unwinding and symbolising take other locks and may take long: not under
  // registry.mu.
  UserSite site = FindUserSite(ra, frame);
  if (std::optional<LockMember> member = MemberBuiltAt(registry, site, type_name)) {
    Entry* entry = FindOrAdd(
        registry, SiteKind::kMember, member->file,
        static_cast<unsigned>(member->line), 0, member->name,
        [&](const Entry&) {
          return "every " + std::string(type_name) + " member " + member->name +
                 " (" + member->file + ":" + std::to_string(member->line) + ")";
        },
        // A member is the same class in every run and every binary that
        // builds it: its qualified name and where it is declared.
        "member:" + member->name + "@" + member->file + ":" + std::to_string(member->line));
    const SiteClass result{&entry->key, entry->class_name.c_str()};
    InternalLock guard(registry.mu);
    registry.by_return_address.emplace(ra, result);
    return result;
  }
  unsigned ordinal = 0;
  if (!site.through_library) {
    InternalLock guard(registry.mu);
    std::vector<uintptr_t>& calls = registry.calls_by_context[site.context];
    while (ordinal < calls.size() && calls[ordinal] != site.call) ++ordinal;
    if (ordinal == calls.size()) calls.push_back(site.call);
  }
  // Without line information the function names the site.
  const std::string file =
      site.frame.file.empty() ? site.frame.function : site.frame.file;
  const unsigned line = static_cast<unsigned>(site.frame.line);
  Entry* entry = FindOrAdd(registry, SiteKind::kSite, file, line, ordinal, "",
                           [&](const Entry&) {
    std::string origin = "every " + std::string(type_name);
    if (ordinal > 0) {
      origin += " constructed by call #" + std::to_string(ordinal + 1) + " at ";
    } else {
      origin += " constructed at ";
    }
    return origin + site.frame.text;
  }, ConstructionIdentity(site, file, line));
  const SiteClass result{&entry->key, entry->class_name.c_str()};
  if (site.direct) {
    InternalLock guard(registry.mu);
    registry.by_return_address.emplace(ra, result);
  }
  return result;
}

}  // namespace lockdep::internal
