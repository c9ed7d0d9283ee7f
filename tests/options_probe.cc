// A tiny program for options_test: it makes lockdep reports through the hooks
// and then exits normally, so the test can watch what LOCKDEP_OPTIONS (read
// once at start-up) does to its stderr and exit status.
//
//   options_probe clean  [code]  no report; returns `code` (default 0)
//   options_probe report [code]  an ABBA (circular dependency report), the
//                                line kAfterFirstReport, then a release of a
//                                lock not held (a second, distinct report);
//                                returns `code` (default 0)
//   options_probe closed_stderr  closes stderr first, then as `report`;
//                                returns the number of reports in the
//                                in-process log
//
// Before the runtime starts, it registers an exit handler that prints
// kEarlyExitHandler: handlers registered before the runtime's own (static
// destructors, gcov, LeakSanitizer) must still run when reports change the
// exit status.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include "runtime/lockdep.h"

namespace {

constexpr char kAfterFirstReport[] = "options_probe: after the first report";

lock_class_key key_a, key_b, key_c;
lockdep_map map_a, map_b, map_c;

void Lock(lockdep_map* map) {
  lock_acquire(map, 0, 0, kLockdepWrite, 1, nullptr, LOCKDEP_THIS_IP);
}
void Unlock(lockdep_map* map) { lock_release(map, LOCKDEP_THIS_IP); }

void InOrder(lockdep_map* first, lockdep_map* second) {
  Lock(first);
  Lock(second);
  Unlock(second);
  Unlock(first);
}

constexpr char kEarlyExitHandler[] = "options_probe: early exit handler ran";

// Priority 101 runs before the runtime's (default-priority) start-up, so this
// handler is registered first and runs after the runtime's exit hook.
__attribute__((constructor(101))) void RegisterEarlyExitHandler() {
  std::atexit([] { std::fprintf(stderr, "%s\n", kEarlyExitHandler); });
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "report";
  const int code = argc > 2 ? std::atoi(argv[2]) : 0;
  lockdep_init_map(&map_a, "probe_A", &key_a, 0);
  lockdep_init_map(&map_b, "probe_B", &key_b, 0);
  lockdep_init_map(&map_c, "probe_C", &key_c, 0);

  const bool closed_stderr = std::strcmp(mode, "closed_stderr") == 0;
  if (closed_stderr) close(2);
  InOrder(&map_a, &map_b);
  if (std::strcmp(mode, "clean") == 0) {
    InOrder(&map_a, &map_b);
    return code;
  }
  InOrder(&map_b, &map_a);
  std::fprintf(stderr, "%s\n", kAfterFirstReport);
  Unlock(&map_c);
  return closed_stderr ? static_cast<int>(lockdep::ReportCount()) : code;
}
