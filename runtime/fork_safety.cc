#include "runtime/fork_safety.h"

#include <pthread.h>

#include "runtime/lockdep.h"
#include "runtime/validator.h"

// Defined only by the LD_PRELOAD build (instrument/preload/lifecycle.cc),
// whose fork handlers call lockdep_fork_*() between its own locks: two
// registrations would take every lock here twice.
extern "C" __attribute__((weak)) const char lockdep_preload_library;

namespace lockdep {
namespace {

void Prepare() {
  GraphState& g = Graph();
  g.mu.lock();
  g.chain_check.LockForFork();
  LockReportLogForFork();
  LockSymbolizerForFork();
}

// Parent and child alike: the forking thread took every lock in Prepare().
void Release() {
  GraphState& g = Graph();
  UnlockSymbolizerAfterFork();
  UnlockReportLogAfterFork();
  g.chain_check.UnlockAfterFork();
  g.mu.unlock();
}

// Before main, so a program that forks from its first thread is covered; the
// graph state is made here too, so Prepare() never allocates inside fork().
__attribute__((constructor)) void RegisterForkHandlers() {
  Graph();
  if (&lockdep_preload_library == nullptr) pthread_atfork(Prepare, Release, Release);
}

}  // namespace
}  // namespace lockdep

void lockdep_fork_prepare() { lockdep::Prepare(); }
void lockdep_fork_parent() { lockdep::Release(); }
void lockdep_fork_child() { lockdep::Release(); }
