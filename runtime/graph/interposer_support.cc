// Entry points for a runtime that interposes on a process's own locks (the
// LD_PRELOAD build in instrument/preload/): there every pthread lock the
// runtime itself takes, and every allocation, passes through the interposer
// too. Its fork handlers are in fork_safety.cc.
#include "runtime/lockdep.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/graph/validator.h"

int lockdep_thread_in_validator() {
  return lockdep::tls_thread_state.recursion != 0 ||
         lockdep::SymbolizingOnThisThread();
}
