// Lock classes for the lockdep::Mutex family: one lock_class_key per data
// member of a lock type, or per place in the user's code that constructs
// other locks, as the kernel's *_init macros give each call site a static key.
//
// Keys live on the heap, are registered with lockdep_register_key() once, and
// are never freed or unregistered (a class may outlive every lock of it in the
// dependency graph). The registry grows by one small entry per distinct site.
#ifndef LOCKDEP_INSTRUMENT_CXX_CLASS_REGISTRY_H_
#define LOCKDEP_INSTRUMENT_CXX_CLASS_REGISTRY_H_

#include <cstdint>

#include "runtime/lockdep_map.h"

namespace lockdep::internal {

struct SiteClass {
  lock_class_key* key;
  // "file.cc:42", "file.cc:42#2" or the name given; lives forever.
  const char* name;
};

// The class of locks constructed at file:line with `name` (nullptr: none).
// Locks constructed at one site with different names are different classes.
// Thread-safe. Cost: one lookup in a std::map under a std::mutex; the first
// call per site also allocates and registers the key.
SiteClass ClassForSite(const char* file, unsigned line, const char* name);

// The class of an unnamed lock of type `type_name` ("lockdep::Mutex") whose
// out-of-line initialiser returns to `ra` (its __builtin_return_address(0);
// `frame` is its __builtin_frame_address(0)). The site is the first frame of
// the calling code that is neither lockdep's nor the C++ standard library's,
// inlined frames included (so std::make_unique<Mutex>() and containers class
// by the user's line). When that frame is a constructor whose class declares
// data members of `type_name`, the class is the member the call builds
// (each call instruction of one copy of the constructor's code builds the
// next such member in declaration order), named "Cache::map_mu (cache.h:27)"
// with origin "every lockdep::Mutex member Cache::map_mu (path/cache.h:27)":
// the same whatever the optimisation level. Otherwise each call instruction
// the user's code makes itself is a class of its own at its line, numbered
// in the order they first ran: "cache.h:10", "cache.h:10#2"; calls through
// library code are one class per user line. Thread-safe. Cost: a
// dl_iterate_phdr step and one std::map lookup when the site is the
// initialiser's direct caller and was seen before (both caches are dropped
// when an object was unloaded since); otherwise unwinds the stack and
// symbolises it (the first lock constructed in a process reads the
// program's debug information: milliseconds).
SiteClass ClassForConstruction(uintptr_t ra, const void* frame,
                               const char* type_name);

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_CXX_CLASS_REGISTRY_H_
