/* What the deadlock watch of a confirmation run costs (docs/confirm.md):
   two threads, each taking two mutexes in one order 500,000 times. Run it
   plain, under the preload library, and under it with the watch on; it
   prints the wall time of the loop:
     ./bazelw build -c opt //benchmarks:preload_pairs //instrument:liblockdep_preload.so
     bazel-bin/benchmarks/preload_pairs
     LD_PRELOAD=bazel-bin/instrument/liblockdep_preload.so bazel-bin/benchmarks/preload_pairs
     LD_PRELOAD=bazel-bin/instrument/liblockdep_preload.so \
       LOCKDEP_OPTIONS=confirm_watchdog=1 bazel-bin/benchmarks/preload_pairs */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define PAIRS 500000

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;

static void* Loop(void* arg) {
  (void)arg;
  for (long i = 0; i < PAIRS; ++i) {
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
  }
  return NULL;
}

int main(void) {
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) pthread_create(&t[i], NULL, Loop, NULL);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &end);
  printf("2 threads x %d lock pairs: %.3f s\n", PAIRS,
         (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) * 1e-9);
  return 0;
}
