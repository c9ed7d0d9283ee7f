// Start-up and fork: the library becomes ready once the real functions are
// known and its fork handlers are registered; until then every interposer
// passes straight through (calls made by the loader, by constructors that
// run before ours, by threads started before).
#include <pthread.h>
#include <unistd.h>

#include "instrument/preload/block_table.h"
#include "instrument/preload/lock_classes.h"
#include "instrument/preload/lock_entry.h"
#include "instrument/preload/lock_table.h"
#include "instrument/preload/real.h"

namespace lockdep::preload {

std::atomic<bool> g_ready{false};
__thread int tls_busy __attribute__((tls_model("initial-exec")));

namespace {

__thread int tls_tid __attribute__((tls_model("initial-exec")));

// Every lock the library and the validator take is held across fork(), in
// one order, so the child finds them free: another thread that held one in
// the parent does not exist in the child.
void Prepare() {
  ++tls_busy;
  lockdep_fork_prepare();
  LockClassesForkPrepare();
  LockTableForkPrepare();
  LockAllBlockShards();
}

void Parent() {
  UnlockAllBlockShards();
  LockTableForkDone();
  LockClassesForkDone();
  lockdep_fork_parent();
  --tls_busy;
}

void Child() {
  UnlockAllBlockShards();
  LockTableForkDone();
  LockClassesForkDone();
  lockdep_fork_child();
  ForgetSelfTid();
  --tls_busy;
}

__attribute__((constructor)) void Start() {
  Real();
  pthread_atfork(Prepare, Parent, Child);
  g_ready.store(true, std::memory_order_release);
}

}  // namespace

int SelfTid() {
  if (__builtin_expect(tls_tid == 0, 0)) tls_tid = static_cast<int>(gettid());
  return tls_tid;
}

void ForgetSelfTid() { tls_tid = 0; }

}  // namespace lockdep::preload
