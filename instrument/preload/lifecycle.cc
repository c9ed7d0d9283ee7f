// Start-up and fork: the library becomes ready once the real functions are
// known and its fork handlers are registered; until then every interposer
// passes straight through (calls made by the loader, by constructors that
// run before ours, by threads started before).
#include <pthread.h>
#include <unistd.h>

#include "instrument/preload/block_table.h"
#include "instrument/preload/events.h"
#include "instrument/preload/instance_order.h"
#include "instrument/preload/lock_classes.h"
#include "instrument/preload/lock_entry.h"
#include "instrument/preload/lock_table.h"
#include "instrument/preload/real.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/wait_event.h"

namespace lockdep::preload {

std::atomic<bool> g_ready{false};
__thread int tls_busy __attribute__((tls_model("initial-exec")));

namespace {

__thread int tls_tid __attribute__((tls_model("initial-exec")));

// Every lock the library and the validator take is held across fork(), so
// the child finds them free: another thread that held one in the parent does
// not exist in the child. One order, the order they nest in: the loader walk
// and the class table (a class is named by the validator's symbolizer under
// them), the lock table (whose inserts set up validator maps), the
// per-instance order graph (a leaf: nothing is taken under it), the
// validator's own locks (lockdep_fork_prepare: graph, chain check, report
// log, symbolizer), and last the block shards, which nothing is taken under.
// The validator leaves this to us (see lockdep_preload_library below), so no
// lock is taken twice.
void Prepare() {
  ++tls_busy;
  LockClassesForkPrepare();
  LockTableForkPrepare();
  EventsForkPrepare();
  InstanceOrderForkPrepare();
  lockdep_fork_prepare();
  LockAllBlockShards();
}

void Parent() {
  UnlockAllBlockShards();
  lockdep_fork_parent();
  InstanceOrderForkDone();
  EventsForkDone();
  LockTableForkDone();
  LockClassesForkDone();
  --tls_busy;
}

void Child() {
  UnlockAllBlockShards();
  lockdep_fork_child();
  InstanceOrderForkDone();
  EventsForkDone();
  LockTableForkDone();
  LockClassesForkDone();
  ForgetSelfTid();
  --tls_busy;
}

// The library's thread-local flags must be distinct variables. Linked by
// gold, this library once had two of them resolved to one address (initial-
// exec TLS of internal linkage under the version script): every allocation
// made in a Busy scope then looked like one made while resolving and went to
// the small bootstrap buffer until it ran out, and operator new threw. The
// BUILD links with GNU ld; should a toolchain do that again, the program
// runs unvalidated after one line instead of crashing.
bool ThreadLocalsAreDistinct() {
  SelfTid();
  ++tls_busy;
  bool ok = !Resolving();
  --tls_busy;
  return ok && !Resolving() && tls_busy == 0;
}

__attribute__((constructor)) void Start() {
  Real();
  if (!ThreadLocalsAreDistinct()) {
    static const char kMsg[] =
        "lockdep preload: this build's thread-local variables overlap (a "
        "linker fault); nothing is validated\n";
    (void)!write(2, kMsg, sizeof(kMsg) - 1);
    return;
  }
  InstallInstanceOrder();
  pthread_atfork(Prepare, Parent, Child);
  // One unwind now, on the main thread's large stack: libunwind's first
  // walk maps its cache and has the loader bind its own lazily bound calls
  // (a lookup plus an XSAVE area, kilobytes deep), which a thread with a
  // small stack could not afford later.
  uintptr_t pcs[4];
  CaptureStack(pcs, 4, 0);
  // Condition variables and semaphores become events at first use, after
  // their first signaller may have taken its locks: remember from now on.
  lockdep_events_enable();
  g_ready.store(true, std::memory_order_release);
}

}  // namespace

int SelfTid() {
  if (__builtin_expect(tls_tid == 0, 0)) tls_tid = static_cast<int>(gettid());
  return tls_tid;
}

void ForgetSelfTid() { tls_tid = 0; }

}  // namespace lockdep::preload

// Tells the validator (runtime/process/fork_safety.cc) that this library registers
// the fork handlers, with the validator's inside its own.
extern "C" const char lockdep_preload_library = 1;
