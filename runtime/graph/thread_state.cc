#include "runtime/graph/thread_state.h"

#include <pthread.h>
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

pthread_key_t exit_key;
pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

void RunExitHook(void* arg) {
  ThreadState* ts = static_cast<ThreadState*>(arg);
  OnThreadExit(*ts);
}

void CreateExitKey() { pthread_key_create(&exit_key, RunExitHook); }

}  // namespace

__thread ThreadState tls_thread_state __attribute__((tls_model("initial-exec")));

void InstallThreadExitHook(ThreadState& ts) {
  ts.exit_hook_installed = true;
  pthread_once(&exit_key_once, CreateExitKey);
  pthread_setspecific(exit_key, &ts);
}

}  // namespace lockdep
