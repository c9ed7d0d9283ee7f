// Inside the runtime: what lockdep_free_range() remembers about freed memory,
// for the report of a later use of a lock that lived there.
#ifndef LOCKDEP_RUNTIME_FREED_MEMORY_H_
#define LOCKDEP_RUNTIME_FREED_MEMORY_H_

#include <string>

#include "runtime/base/internal_mutex.h"
#include "runtime/lockdep_map.h"

namespace lockdep {

// Report lines saying which free released the memory holding `map`, with its
// stack ("" when `map` was not in a range given to lockdep_free_range(), or
// the record was already forgotten). Report path only: allocates; the stack
// is left as a placeholder that EmitReport() symbolises (deferred_symbols.h).
std::string FreedMemoryText(const lockdep_map* map);

// The freed-memory records' lock, for the fork handlers (process/fork_safety.cc).
InternalMutex& FreedMemoryMutex();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_FREED_MEMORY_H_
