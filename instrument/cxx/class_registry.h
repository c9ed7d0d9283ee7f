// Lock classes for the lockdep::Mutex family: one lock_class_key per place in
// the user's code that constructs locks, as the kernel's *_init macros give
// each call site a static key.
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

// The class of an unnamed lock whose constructor returns to `ra`
// (__builtin_return_address(0) of an out-of-line constructor, whose
// __builtin_frame_address(0) is `frame`). The site is
// the first frame of the calling code that is neither lockdep's nor the C++
// standard library's, inlined frames included (so std::make_unique<Mutex>()
// and containers class by the user's line). One site can construct several
// locks with different call instructions -- the members of one class, all
// constructed "at" its constructor's line -- and each call instruction the
// user's code makes itself is a class of its own there, numbered in the order
// they first ran: "cache.h:10", "cache.h:10#2". Calls through library code
// (make_unique, containers) are one class per user line. Thread-safe. Cost: one std::map lookup when the site is the
// constructor's direct caller and was seen before; otherwise unwinds the
// stack and symbolises it (the first lock constructed in a process reads the
// program's debug information: milliseconds).
SiteClass ClassForConstruction(uintptr_t ra, const void* frame,
                               const char* type_name);

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_CXX_CLASS_REGISTRY_H_
