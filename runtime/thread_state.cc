#include "runtime/thread_state.h"

#include <pthread.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "runtime/validator.h"

namespace lockdep {
namespace {

// Plain data, constant-initialised, initial-exec: no TLS wrapper call and no
// __tls_get_addr on the fast path, even when the runtime is a shared object.
__attribute__((tls_model("initial-exec"))) constinit thread_local ThreadState
    tls_state = {};

pthread_key_t exit_key;
pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

void RunExitHook(void* arg) {
  ThreadState* ts = static_cast<ThreadState*>(arg);
  OnThreadExit(*ts);
}

void CreateExitKey() { pthread_key_create(&exit_key, RunExitHook); }

}  // namespace

ThreadState& CurrentThread() {
  ThreadState& ts = tls_state;
  if (__builtin_expect(!ts.exit_hook_installed, 0)) {
    ts.exit_hook_installed = true;
    pthread_once(&exit_key_once, CreateExitKey);
    pthread_setspecific(exit_key, &ts);
  }
  return ts;
}

void CurrentTaskName(char* buf, unsigned size) {
  char comm[17] = {};
  if (prctl(PR_GET_NAME, comm) != 0) std::strcpy(comm, "?");
  std::snprintf(buf, size, "%s/%ld", comm, CurrentTid());
}

long CurrentTid() { return static_cast<long>(gettid()); }

}  // namespace lockdep
