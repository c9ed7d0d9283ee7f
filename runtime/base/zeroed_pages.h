// Large fixed tables without start-up cost: memory mapped from the kernel's
// zero pages, so a page costs RAM only once something is written to it. A
// small program that uses 20 classes touches a few pages of the 10,000-class
// tables, not megabytes.
#ifndef LOCKDEP_RUNTIME_ZEROED_PAGES_H_
#define LOCKDEP_RUNTIME_ZEROED_PAGES_H_

#include <cstddef>

namespace lockdep {

// `bytes` of zero-filled, page-aligned memory that is never freed. Aborts
// with a message when the address space is exhausted (the tables are the
// runtime's fixed limits: without them it cannot run). Cost: one mmap.
void* MapZeroedPages(size_t bytes);

// An array of `n` T whose all-zero bytes are T's initial state (integers,
// atomics of integers, structs of those): no constructor runs.
template <typename T>
T* ZeroedArray(size_t n) {
  return static_cast<T*>(MapZeroedPages(n * sizeof(T)));
}

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_ZEROED_PAGES_H_
