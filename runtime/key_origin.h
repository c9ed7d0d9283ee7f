// Where the locks of a class come from, in words ("constructed by
// Cache::Cache() at cache.h:10"), so that a report about two locks of one
// class can say why they share it. Lock layers that choose classes for their
// users (the C++ locks of instrument/cxx.h) record it; keys without a record
// get a generic explanation.
#ifndef LOCKDEP_RUNTIME_KEY_ORIGIN_H_
#define LOCKDEP_RUNTIME_KEY_ORIGIN_H_

#include <string>

#include "runtime/lockdep_map.h"

namespace lockdep {

// Records `origin` (copied) for `key`; a later call replaces it. Thread-safe.
// Cost: a map insertion under a mutex; meant for once per class.
void SetKeyOrigin(const lock_class_key* key, const std::string& origin);

// The recorded origin of `key`, or "" when none. Thread-safe; allocates.
std::string KeyOrigin(const lock_class_key* key);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_KEY_ORIGIN_H_
