// Who the calling thread is, as reports name it.
#ifndef LOCKDEP_RUNTIME_BASE_TASK_NAME_H_
#define LOCKDEP_RUNTIME_BASE_TASK_NAME_H_

namespace lockdep {

// Short thread name and kernel-style id ("tour/12345"), written into `buf`.
// One prctl() and one gettid() call; async-signal-safe.
void CurrentTaskName(char* buf, unsigned size);
// The kernel's id of the calling thread (gettid()).
long CurrentTid();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_BASE_TASK_NAME_H_
