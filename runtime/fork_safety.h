// fork() with the runtime's internal locks: a child forked while another
// thread held one (the graph lock in the slow path, the report log, the
// symbolizer) would inherit it locked by a thread that does not exist there,
// and hang at its first new chain. pthread_atfork handlers, registered at
// start-up, take every internal lock before fork() (in the runtime's lock
// order) and release them in parent and child, so both keep working. The
// child holds only the forking thread's locks, as with any fork().
//
// Each file that owns an internal lock exposes a pair of functions (the
// symbolizer's are in stack_trace.h); the
// handlers in fork_safety.cc call them in this order (the order in which the
// runtime nests them: graph, chain check, report log, symbolizer). In the
// LD_PRELOAD build the library's own handlers call them instead, between its
// own locks (lockdep_fork_prepare() in lockdep.h).
#ifndef LOCKDEP_RUNTIME_FORK_SAFETY_H_
#define LOCKDEP_RUNTIME_FORK_SAFETY_H_

namespace lockdep {

void LockReportLogForFork();
void UnlockReportLogAfterFork();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_FORK_SAFETY_H_
