#include "runtime/key_origin.h"

#include <map>

#include "runtime/fork_safety.h"
#include "runtime/internal_mutex.h"

namespace lockdep {
namespace {

struct Origins {
  InternalMutex mu;
  std::map<const lock_class_key*, std::string> by_key ABSL_GUARDED_BY(mu);
  std::map<const lock_class_key*, std::string> identity ABSL_GUARDED_BY(mu);
};

// Leaked: classes are created during static initialisation and reported on
// during exit.
Origins& TheOrigins() {
  static Origins* origins = new Origins;
  return *origins;
}

}  // namespace

InternalMutex& KeyOriginMutex() { return TheOrigins().mu; }

void SetKeyOrigin(const lock_class_key* key, const std::string& origin) {
  Origins& o = TheOrigins();
  InternalLock guard(o.mu);
  o.by_key[key] = origin;
}

std::string KeyOrigin(const lock_class_key* key) {
  Origins& o = TheOrigins();
  InternalLock guard(o.mu);
  auto it = o.by_key.find(key);
  return it == o.by_key.end() ? std::string() : it->second;
}

void SetKeyIdentity(const lock_class_key* key, const std::string& identity) {
  Origins& o = TheOrigins();
  InternalLock guard(o.mu);
  o.identity[key] = identity;
}

std::string KeyIdentity(const lock_class_key* key) {
  Origins& o = TheOrigins();
  InternalLock guard(o.mu);
  auto it = o.identity.find(key);
  return it == o.identity.end() ? std::string() : it->second;
}

}  // namespace lockdep
