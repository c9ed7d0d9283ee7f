// Entry points for a runtime that interposes on a process's own locks (the
// LD_PRELOAD build in instrument/preload/): there every pthread lock the
// runtime itself takes, and every fork, passes through the interposer too.
#include "runtime/lockdep.h"
#include "runtime/validator.h"

int lockdep_thread_in_validator() {
  return lockdep::tls_thread_state.recursion != 0;
}

// Fork in a multi-threaded process copies the graph lock in whatever state
// another thread left it; holding it across fork() makes it free in both.
void lockdep_fork_prepare() { lockdep::Graph().mu.lock(); }
void lockdep_fork_parent() { lockdep::Graph().mu.unlock(); }
void lockdep_fork_child() { lockdep::Graph().mu.unlock(); }
