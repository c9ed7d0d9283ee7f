#include "instrument/cxx/class_registry.h"

#include <pthread.h>

#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "instrument/cxx/call_site.h"
#include "runtime/code_address.h"
#include "runtime/internal_mutex.h"
#include "runtime/key_origin.h"
#include "runtime/lockdep.h"
#include "runtime/source_frames.h"
#include "runtime/stack_trace.h"

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

// (file, line, ordinal at that site, given name); the views point into the
// Entry, which never moves.
using SiteId = std::tuple<std::string_view, unsigned, unsigned, std::string_view>;

// mu is a leaf: nothing calls into the runtime (or takes any other lock)
// while holding it, so the fork handlers below may take it at any point of
// the runtime's own fork sequence.
struct Registry {
  InternalMutex mu;
  std::map<SiteId, Entry*> entries ABSL_GUARDED_BY(mu);
  // Unnamed constructions: the class of a constructor's return address,
  // when that address alone decides it.
  std::map<uintptr_t, SiteClass> by_return_address ABSL_GUARDED_BY(mu);
  // The call instructions seen per inline context (the user frame and the
  // frames it is inlined into), in the order they first ran: a call's index
  // is its ordinal at the site.
  std::map<std::string, std::vector<uintptr_t>> calls_by_context ABSL_GUARDED_BY(mu);
};

// Leaked on purpose: locks may be constructed and destroyed during static
// initialisation and destruction, in any order. Its lock is held across
// fork(), so a child forked while another thread constructs a lock can
// construct its own.
Registry& GetRegistry() {
  static Registry* registry = [] {
    pthread_atfork([]() ABSL_NO_THREAD_SAFETY_ANALYSIS { GetRegistry().mu.lock(); },
                   []() ABSL_NO_THREAD_SAFETY_ANALYSIS { GetRegistry().mu.unlock(); },
                   []() ABSL_NO_THREAD_SAFETY_ANALYSIS { GetRegistry().mu.unlock(); });
    return new Registry;
  }();
  return *registry;
}

std::string_view Basename(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The entry for a site, made on first use; `origin` says where its locks
// come from (for reports) and `identity` which class it is in any run (for
// graph files, runtime/key_origin.h), both recorded when the entry is made. The key is
// registered outside registry.mu (registering takes the graph lock); of two
// threads making one site's entry at once, the first to insert wins.
template <typename Origin>
Entry* FindOrAdd(Registry& registry, std::string_view file, unsigned line,
                 unsigned ordinal, std::string_view name, Origin origin,
                 const std::string& identity) {
  {
    InternalLock guard(registry.mu);
    auto it = registry.entries.find(SiteId(file, line, ordinal, name));
    if (it != registry.entries.end()) return it->second;
  }
  Entry* entry = new Entry;
  entry->file = file;
  entry->given_name = name;
  if (!name.empty()) {
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
                 .emplace(SiteId(entry->file, line, ordinal, entry->given_name), entry)
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
      site->through_library = i > 0 || k > 0;
      for (size_t j = k; j < frames.size(); ++j) {
        site->context += frames[j].function + " " + frames[j].file + ":" +
                         std::to_string(frames[j].line) + "\n";
      }
      site->frame = std::move(frames[k]);
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
      GetRegistry(), file_view, line, 0, name_view, [&](const Entry& e) {
        return (name_view.empty() ? std::string("constructed at ")
                                  : "named \"" + e.given_name + "\" when constructed at ") +
               std::string(Basename(file_view)) + ":" + std::to_string(line);
      },
      // The registry's own key for the entry: full path, line and name.
      std::string(file_view) + ":" + std::to_string(line) + "|" + std::string(name_view));
  return SiteClass{&entry->key, entry->class_name.c_str()};
}

SiteClass ClassForConstruction(uintptr_t ra, const void* frame,
                               const char* type_name) {
  Registry& registry = GetRegistry();
  {
    InternalLock guard(registry.mu);
    auto it = registry.by_return_address.find(ra);
    if (it != registry.by_return_address.end()) return it->second;
  }
  // Unwinding and symbolising take other locks and may take long: not under
  // registry.mu.
  UserSite site = FindUserSite(ra, frame);
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
  Entry* entry = FindOrAdd(registry, file, line, ordinal, "", [&](const Entry&) {
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
