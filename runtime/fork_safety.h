// fork() with the runtime's internal locks: a child forked while another
// thread held one (the graph lock in the slow path, the report log, the
// symbolizer, ...) would inherit it locked by a thread that does not exist
// there, and hang at its first use. pthread_atfork handlers, registered at
// start-up, take every internal lock before fork() (in the runtime's lock
// order) and release them in parent and child, so both keep working. The
// child holds only the forking thread's locks, as with any fork().
//
// Each file that owns an internal lock exposes it here for the handlers in
// fork_safety.cc, and for nothing else (the symbolizer's is in
// stack_trace.h, the chain check's is ChainCheck::mutex()).
// In the LD_PRELOAD build the library's own handlers call the runtime's
// (lockdep_fork_prepare() in lockdep.h) between its own locks instead.
#ifndef LOCKDEP_RUNTIME_FORK_SAFETY_H_
#define LOCKDEP_RUNTIME_FORK_SAFETY_H_

#include "runtime/internal_mutex.h"

namespace lockdep {

InternalMutex& ReportLogMutex();     // report_log.cc
InternalMutex& ReportOutputMutex();  // report_output.cc
InternalMutex& FreedMemoryMutex();   // freed_memory.cc
InternalMutex& LockStatMutex();      // lock_stat.cc
InternalMutex& KeyOriginMutex();     // key_origin.cc

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_FORK_SAFETY_H_
