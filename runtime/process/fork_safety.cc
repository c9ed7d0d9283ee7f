// fork() with the runtime's internal locks: a child forked while another
// thread held one (the graph lock in the slow path, the report log, the
// symbolizer, ...) would inherit it locked by a thread that does not exist
// there, and hang at its first use. pthread_atfork handlers, registered at
// start-up, take every internal lock before fork() (in the runtime's lock
// order) and release them in parent and child, so both keep working. The
// child holds only the forking thread's locks, as with any fork().
//
// Each file that owns an internal lock exposes it in its own header for the
// handlers here, and for nothing else.
// In the LD_PRELOAD build the library's own handlers call the runtime's
// (lockdep_fork_prepare() in lockdep.h) between its own locks instead.

#include <pthread.h>

#include <array>

#include "runtime/base/link_anchors.h"
#include "runtime/confirm/confirm.h"
#include "runtime/lockdep.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/graph/freed_memory.h"
#include "runtime/graph/key_origin.h"
#include "runtime/graph/lock_stat.h"
#include "runtime/graph/validator.h"
#include "runtime/reports/report_log.h"
#include "runtime/reports/report_output.h"

// Defined only by the LD_PRELOAD build (instrument/preload/lifecycle.cc),
// whose fork handlers call lockdep_fork_*() between its own locks: two
// registrations would take every lock here twice.
extern "C" __attribute__((weak)) const char lockdep_preload_library;

namespace lockdep {
namespace {

// Every internal lock, in the order the runtime nests them: the graph lock
// first (reports are made under it), the leaves last.
std::array<InternalMutex*, 8> InternalLocks() {
  GraphState& g = Graph();
  return {&GraphState::mu, &g.chain_check.mutex(), &ReportLogMutex(),
          &ReportOutputMutex(), &SymbolizerMutex(),   &FreedMemoryMutex(),
          &LockStatMutex(),     &KeyOriginMutex()};
}

// The analysis cannot follow locks taken in a loop and released in another
// function; the order above is what matters here.
// The unwind gate last: a thread holding the graph lock may be about to
// unwind (a report's stack), and unwinding takes none of these locks.
void Prepare() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (InternalMutex* mu : InternalLocks()) mu->lock();
  CloseUnwindGate();
}

// Parent and child alike: the forking thread took every lock in Prepare().
void Release(bool in_child) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  OpenUnwindGate(in_child);
  const auto locks = InternalLocks();
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) (*it)->unlock();
}
void ReleaseInParent() { Release(/*in_child=*/false); }
void ReleaseInChild() {
  Release(/*in_child=*/true);
  ConfirmForkChild();
}

// Before main, so a program that forks from its first thread is covered; the
// lock owners are made here too, so Prepare() never allocates inside fork().
__attribute__((constructor)) void RegisterForkHandlers() {
  InternalLocks();
  if (&lockdep_preload_library == nullptr) pthread_atfork(Prepare, ReleaseInParent, ReleaseInChild);
}

}  // namespace

const char kForkSafetyAnchor = 0;

}  // namespace lockdep

void lockdep_fork_prepare() { lockdep::Prepare(); }
void lockdep_fork_parent() { lockdep::ReleaseInParent(); }
void lockdep_fork_child() { lockdep::ReleaseInChild(); }
