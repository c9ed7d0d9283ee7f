// Where the locks of a class come from, in words ("constructed by
// Cache::Cache() at cache.h:10"), so that a report about two locks of one
// class can say why they share it. Lock layers that choose classes for their
// users (the C++ locks of instrument/cxx.h) record it; keys without a record
// get a generic explanation.
#ifndef LOCKDEP_RUNTIME_KEY_ORIGIN_H_
#define LOCKDEP_RUNTIME_KEY_ORIGIN_H_

#include <string>

#include "runtime/base/internal_mutex.h"
#include "runtime/lockdep_map.h"

namespace lockdep {

// Records `origin` (copied) for `key`; a later call replaces it. Thread-safe.
// Cost: a map insertion under a mutex; meant for once per class.
void SetKeyOrigin(const lock_class_key* key, const std::string& origin);

// The recorded origin of `key`, or "" when none. Thread-safe; allocates.
std::string KeyOrigin(const lock_class_key* key);

// What identifies the class of `key` across runs, for a key whose address
// cannot (a key the lock layer allocated): the lock layer's answer to "which
// of my classes is this", e.g. the source site of a named lock or
// CodeAddressIdentity() of the constructing call. It must be the same in
// every run of one binary whatever the order things ran in, and differ for
// any two keys that are different classes in one process. The graph dump
// writes it as the class's identity ("site:" + identity). Thread-safe;
// a later call replaces it. Cost as SetKeyOrigin.
void SetKeyIdentity(const lock_class_key* key, const std::string& identity);

// The recorded identity of `key`, or "" when none. Thread-safe; allocates.
std::string KeyIdentity(const lock_class_key* key);

// The key origins' lock, for the fork handlers (process/fork_safety.cc).
InternalMutex& KeyOriginMutex();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_KEY_ORIGIN_H_
