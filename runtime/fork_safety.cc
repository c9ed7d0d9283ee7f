#include "runtime/fork_safety.h"

#include <pthread.h>

#include "runtime/link_anchors.h"
#include "runtime/validator.h"

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
  pthread_atfork(Prepare, Release, Release);
}

}  // namespace

const char kForkSafetyAnchor = 0;

}  // namespace lockdep
