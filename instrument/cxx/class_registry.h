// Lock classes for the lockdep::Mutex family: one lock_class_key per
// construction site, so that every lock constructed at one place in the source
// is one class, as the kernel's *_init macros give each call site a static key.
//
// Keys live on the heap, are registered with lockdep_register_key() once, and
// are never freed or unregistered (a class may outlive every lock of it in the
// dependency graph). The registry grows by one small entry per distinct site.
#ifndef LOCKDEP_INSTRUMENT_CXX_CLASS_REGISTRY_H_
#define LOCKDEP_INSTRUMENT_CXX_CLASS_REGISTRY_H_

#include "runtime/lockdep_map.h"

namespace lockdep::internal {

struct SiteClass {
  lock_class_key* key;
  // "file.cc:42" (basename and line), or the name given; lives forever.
  const char* name;
};

// The class of locks constructed at file:line with `name` (nullptr: none).
// The name is part of the identity because lock members of one object are all
// constructed "at" the enclosing constructor, and naming them is how they
// become distinct classes. Thread-safe. Cost: one lookup in a std::map under a
// std::mutex; the first call per site also allocates and registers the key.
SiteClass ClassForSite(const char* file, unsigned line, const char* name);

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_CXX_CLASS_REGISTRY_H_
