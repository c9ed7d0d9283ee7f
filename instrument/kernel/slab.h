// Kernel memory: kmalloc(), kzalloc(), kfree() with GFP flags, and the error
// pointers of <linux/err.h> (ERR_PTR, PTR_ERR, IS_ERR, IS_ERR_OR_NULL).
//
// kfree() does for locks what the kernel's slab debugging does: it reports
// "held lock freed" when a lock the caller holds lives in the freed object,
// and marks every lock in it destroyed, so a later use of one (a fence that
// outlived the object lending it its lock) is reported as "use of
// uninitialized or destroyed lock", with the stack of the kfree(), instead of
// corrupting memory. To make that report possible the object is kept in a
// bounded quarantine (kKmallocQuarantineObjects objects, at most
// kKmallocQuarantineBytes bytes) before it is really freed.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_SLAB_H_
#define LOCKDEP_INSTRUMENT_KERNEL_SLAB_H_

#include <cstddef>

#include "instrument/kernel/gfp.h"
#include "instrument/kernel/reclaim.h"

inline constexpr size_t kKmallocQuarantineObjects = 1024;
inline constexpr size_t kKmallocQuarantineBytes = 8u << 20;

// `size` bytes aligned for any type, or NULL when out of memory. With
// GFP_KERNEL it may sleep and reclaim (might_alloc(), reclaim.h): reported
// under a spinlock or in an interrupt, and it depends on the fs_reclaim
// map. Cost: malloc() plus a 16-byte header; the fs_reclaim acquire.
void* kmalloc(size_t size, gfp_t flags);
// kmalloc() of zeroed memory.
void* kzalloc(size_t size, gfp_t flags);
// Frees what kmalloc()/kzalloc() returned; NULL is a no-op. See the top of
// this file for the lock checks. Freeing the same object twice, or memory
// kmalloc() did not return, prints one line and aborts (the kernel BUGs).
// Cost: free() deferred through the quarantine, one pass over the object,
// and a stack capture when it held a lock.
void kfree(const void* ptr);
// The usable size of a kmalloc()ed object (its requested size).
size_t ksize(const void* ptr);
// A kmalloc()ed copy of the string `s` (NULL for NULL or out of memory).
char* kstrdup(const char* s, gfp_t flags);

// What the quarantine holds now (for tests and curious programs): freed
// objects not yet given back to malloc(), and their bytes.
void kmalloc_quarantine_usage(size_t* objects, size_t* bytes);

// ---------------------------------------------------------------------------
// Error pointers: a function returning a pointer encodes -errno (-4095..-1)
// in it. In C, ERR_PTR() is a void* that converts to any pointer; in C++ it
// returns a small value that converts to any pointer type, so
// `return ERR_PTR(-EINVAL);` works in a function returning `struct foo *`.

#define MAX_ERRNO 4095

namespace lockdep::kernel_internal {
struct ErrPtr {
  long error;
  template <typename T>
  operator T*() const {  // NOLINT: implicit, as C's void* is
    return reinterpret_cast<T*>(error);
  }
};
}  // namespace lockdep::kernel_internal

inline lockdep::kernel_internal::ErrPtr ERR_PTR(long error) { return {error}; }
inline long PTR_ERR(const void* ptr) { return reinterpret_cast<long>(ptr); }
inline bool IS_ERR_VALUE(unsigned long x) {
  return x >= static_cast<unsigned long>(-MAX_ERRNO);
}
inline bool IS_ERR(const void* ptr) {
  return IS_ERR_VALUE(reinterpret_cast<unsigned long>(ptr));
}
inline bool IS_ERR_OR_NULL(const void* ptr) {
  return ptr == nullptr || IS_ERR(ptr);
}
// An error pointer of one type as one of another.
inline lockdep::kernel_internal::ErrPtr ERR_CAST(const void* ptr) {
  return {PTR_ERR(ptr)};
}
// 0 for a valid pointer, the error for an error pointer.
inline int PTR_ERR_OR_ZERO(const void* ptr) {
  return IS_ERR(ptr) ? static_cast<int>(PTR_ERR(ptr)) : 0;
}

#endif  // LOCKDEP_INSTRUMENT_KERNEL_SLAB_H_
