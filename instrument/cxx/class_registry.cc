#include "instrument/cxx/class_registry.h"

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "runtime/lockdep.h"

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

// (file, line, given name); the views point into the Entry, which never moves.
using SiteId = std::tuple<std::string_view, unsigned, std::string_view>;

struct Registry {
  std::mutex mu;
  std::map<SiteId, Entry*> entries;  // guarded by mu
};

// Leaked on purpose: locks may be constructed and destroyed during static
// initialisation and destruction, in any order.
Registry& GetRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

std::string_view Basename(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

SiteClass ClassForSite(const char* file, unsigned line, const char* name) {
  const std::string_view file_view = file != nullptr ? file : "?";
  const std::string_view name_view = name != nullptr ? name : "";
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> guard(registry.mu);
  auto it = registry.entries.find(SiteId(file_view, line, name_view));
  if (it == registry.entries.end()) {
    Entry* entry = new Entry;
    entry->file = file_view;
    entry->given_name = name_view;
    entry->class_name = name_view.empty() ? std::string(Basename(file_view)) +
                                                ":" + std::to_string(line)
                                          : std::string(name_view);
    lockdep_register_key(&entry->key);
    it = registry.entries
             .emplace(SiteId(entry->file, line, entry->given_name), entry)
             .first;
  }
  return SiteClass{&it->second->key, it->second->class_name.c_str()};
}

}  // namespace lockdep::internal
