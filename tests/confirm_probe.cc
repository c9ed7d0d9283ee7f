// A linked-in program for confirm_test: two threads started together take
// two kernel-style mutexes in opposite orders, a few times each. Each hold
// is short, so unsteered it rarely deadlocks; with LOCKDEP_OPTIONS
// confirm_cycles= naming its own recorded graph, the runtime steers it into
// the deadlock and ends it with status 67.
#include <pthread.h>

#include <cstdio>

#include "instrument/kernel.h"

namespace {

DEFINE_MUTEX(pool_lock);
DEFINE_MUTEX(stats_lock);
int counter;

void* Refill(void*) {
  for (int i = 0; i < 3; ++i) {
    mutex_lock(&pool_lock);
    mutex_lock(&stats_lock);
    ++counter;
    mutex_unlock(&stats_lock);
    mutex_unlock(&pool_lock);
  }
  return nullptr;
}

void* Report(void*) {
  for (int i = 0; i < 3; ++i) {
    mutex_lock(&stats_lock);
    mutex_lock(&pool_lock);
    ++counter;
    mutex_unlock(&pool_lock);
    mutex_unlock(&stats_lock);
  }
  return nullptr;
}

}  // namespace

int main() {
  pthread_t a, b;
  pthread_create(&a, nullptr, Refill, nullptr);
  pthread_create(&b, nullptr, Report, nullptr);
  pthread_join(a, nullptr);
  pthread_join(b, nullptr);
  std::printf("confirm_probe: %d\n", counter);
  return 0;
}
