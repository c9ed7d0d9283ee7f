// A GoogleTest program built without debug information (-g0), as a project
// whose .bazelrc lacks -g builds its tests: one test makes an ABBA report.
// gtest_attribution_test checks the failure is charged to this test's own
// TEST line and names the function that took the lock, not glibc's start-up
// code (which has line information wherever glibc's debug files exist).
#include <gtest/gtest.h>

#include "instrument/kernel.h"

namespace {

DEFINE_MUTEX(probe_first);
DEFINE_MUTEX(probe_second);

__attribute__((noinline)) void TakeInOrder(struct mutex* a, struct mutex* b) {
  mutex_lock(a);
  mutex_lock(b);
  mutex_unlock(b);
  mutex_unlock(a);
}

TEST(NoDebugInfo, MakesAnAbbaReport) {  // gtest_attribution_test: this line
  TakeInOrder(&probe_first, &probe_second);
  TakeInOrder(&probe_second, &probe_first);
}

}  // namespace
