#include "runtime/graph/key_origin.h"

#include <map>

#include "runtime/base/internal_mutex.h"

namespace lockdep {
namespace {

struct Record {
  std::string origin;
  std::string identity;
};

struct Origins {
  InternalMutex mu;
  std::map<const lock_class_key*, Record> by_key ABSL_GUARDED_BY(mu);
};

// Leaked: classes are created during static initialisation and reported on
// during exit.
Origins& TheOrigins() {
  static Origins* origins = new Origins;
  return *origins;
}

void Set(const lock_class_key* key, std::string Record::*field, const std::string& value) {
  Origins& o = TheOrigins();
  InternalLock guard(o.mu);
  o.by_key[key].*field = value;
}

std::string Get(const lock_class_key* key, std::string Record::*field) {
  Origins& o = TheOrigins();
  InternalLock guard(o.mu);
  auto it = o.by_key.find(key);
  return it == o.by_key.end() ? std::string() : it->second.*field;
}

}  // namespace

InternalMutex& KeyOriginMutex() { return TheOrigins().mu; }

void SetKeyOrigin(const lock_class_key* key, const std::string& origin) {
  Set(key, &Record::origin, origin);
}

std::string KeyOrigin(const lock_class_key* key) { return Get(key, &Record::origin); }

void SetKeyIdentity(const lock_class_key* key, const std::string& identity) {
  Set(key, &Record::identity, identity);
}

std::string KeyIdentity(const lock_class_key* key) { return Get(key, &Record::identity); }

}  // namespace lockdep
