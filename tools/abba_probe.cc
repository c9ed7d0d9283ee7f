// A program for lockgraph_test: takes two mutexes in the order its argument
// names ("ab" or "ba"), once, and exits. Each run alone is clean; the graphs
// of one run of each, merged, have the cycle no single run shows.
#include <cstring>

#include "instrument/kernel.h"

namespace {

DEFINE_MUTEX(lock_a);
DEFINE_MUTEX(lock_b);

__attribute__((noinline)) void RunOrder(struct mutex* first, struct mutex* second) {
  mutex_lock(first);
  mutex_lock(second);
  mutex_unlock(second);
  mutex_unlock(first);
}

}  // namespace

int main(int argc, char** argv) {
  const bool ab = argc < 2 || std::strcmp(argv[1], "ba") != 0;
  if (ab) {
    RunOrder(&lock_a, &lock_b);
  } else {
    RunOrder(&lock_b, &lock_a);
  }
  return 0;
}
