// When the preload library must stay out of the way: before it is ready, and
// whenever the calling thread is already inside it or inside the validator.
// Every interposed function checks this first and, if so, only calls the
// real function, so the runtime's own locks and allocations, a signal handler
// that interrupts the library, and an allocator called from inside the
// library never recurse into it or wait on a lock this thread holds.
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_REENTRY_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_REENTRY_H_

#include <atomic>

#include "runtime/lockdep.h"

namespace lockdep::preload {

// Set once the library's constructor has run (real functions resolved,
// fork handlers registered). Before that every call passes through.
extern std::atomic<bool> g_ready;

// >0 while this thread runs the library's own bookkeeping (tables, class
// naming). Initial-exec TLS: no allocation, usable from malloc.
extern __thread int tls_busy __attribute__((tls_model("initial-exec")));

// True when this call must only pass through. Cost: two TLS loads and one
// relaxed load.
inline bool PassThrough() {
  return !g_ready.load(std::memory_order_relaxed) || tls_busy != 0 ||
         lockdep_thread_in_validator();
}

// Marks the scope as the library's own work (see tls_busy).
class Busy {
 public:
  Busy() { ++tls_busy; }
  ~Busy() { --tls_busy; }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;
};

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_REENTRY_H_
