// A linked-in program for confirm_test: two threads started together take
// two kernel-style mutexes in opposite orders, a few times each. Each hold
// is short, so unsteered it rarely deadlocks; with LOCKDEP_OPTIONS
// confirm_cycles= naming its own recorded graph, the runtime steers it into
// the deadlock and ends it with status 67. With the argument `meet`, each
// thread waits for the other between its two locks: a sure deadlock. With
// `serial`, the two threads run one after the other, 50 passes each: the
// cycle can never happen, however the run is steered.
#include <pthread.h>

#include <cstdio>
#include <cstring>

#include "instrument/kernel.h"

namespace {

DEFINE_MUTEX(pool_lock);
DEFINE_MUTEX(stats_lock);
int counter;
bool meet;
int passes = 3;
pthread_barrier_t both_hold_one;

void Meet() {
  if (meet) pthread_barrier_wait(&both_hold_one);
}

void* Refill(void*) {
  for (int i = 0; i < passes; ++i) {
    mutex_lock(&pool_lock);
    Meet();
    mutex_lock(&stats_lock);
    ++counter;
    mutex_unlock(&stats_lock);
    mutex_unlock(&pool_lock);
  }
  return nullptr;
}

void* Report(void*) {
  for (int i = 0; i < passes; ++i) {
    mutex_lock(&stats_lock);
    Meet();
    mutex_lock(&pool_lock);
    ++counter;
    mutex_unlock(&pool_lock);
    mutex_unlock(&stats_lock);
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  meet = argc > 1 && std::strcmp(argv[1], "meet") == 0;
  const bool serial = argc > 1 && std::strcmp(argv[1], "serial") == 0;
  if (serial) passes = 50;
  pthread_barrier_init(&both_hold_one, nullptr, 2);
  pthread_t a, b;
  pthread_create(&a, nullptr, Refill, nullptr);
  if (serial) pthread_join(a, nullptr);
  pthread_create(&b, nullptr, Report, nullptr);
  if (!serial) pthread_join(a, nullptr);
  pthread_join(b, nullptr);
  std::printf("confirm_probe: %d\n", counter);
  return 0;
}
