#include "runtime/key_origin.h"

#include <map>
#include <mutex>

namespace lockdep {
namespace {

struct Origins {
  std::mutex mu;
  std::map<const lock_class_key*, std::string> by_key;  // guarded by mu
};

// Leaked: classes are created during static initialisation and reported on
// during exit.
Origins& TheOrigins() {
  static Origins* origins = new Origins;
  return *origins;
}

}  // namespace

void SetKeyOrigin(const lock_class_key* key, const std::string& origin) {
  Origins& o = TheOrigins();
  std::lock_guard<std::mutex> guard(o.mu);
  o.by_key[key] = origin;
}

std::string KeyOrigin(const lock_class_key* key) {
  Origins& o = TheOrigins();
  std::lock_guard<std::mutex> guard(o.mu);
  auto it = o.by_key.find(key);
  return it == o.by_key.end() ? std::string() : it->second;
}

}  // namespace lockdep
