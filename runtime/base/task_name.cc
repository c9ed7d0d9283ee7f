#include "runtime/base/task_name.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace lockdep {

void CurrentTaskName(char* buf, unsigned size) {
  char comm[17] = {};
  if (prctl(PR_GET_NAME, comm) != 0) std::strcpy(comm, "?");
  std::snprintf(buf, size, "%s/%ld", comm, CurrentTid());
}

long CurrentTid() { return static_cast<long>(gettid()); }

}  // namespace lockdep
