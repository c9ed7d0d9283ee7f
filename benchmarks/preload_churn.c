/* The preload library's per-lock costs, measured on a plain program run
   under it (no lockdep header):
     churn: pthread_mutex_init + pthread_mutex_destroy of locks in a heap
            block, as ThreadSanitizer's deadlock stress test makes 4 million
            of them; by one thread, then by two threads each on its own
            locks (wall time of two against one says whether they scale);
     class: the first lock + unlock of 4,000 distinct static mutexes, each
            its own class (classed by address, named by symbol).
   Prints ns per operation. Build optimised and compare with and without
   the library:
     ./bazelw build -c opt //benchmarks:preload_churn //instrument:preload
     bazel-bin/benchmarks/preload_churn
     LD_PRELOAD=bazel-bin/instrument/liblockdep_preload.so bazel-bin/benchmarks/preload_churn */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LOCKS 10
#define CLASSES 4000

static long pairs = 400000; /* init+destroy pairs per thread */
static pthread_mutex_t statics[CLASSES];

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static double thread_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Each thread's CPU time per pair (a loaded machine stretches wall time,
   not CPU time), summed over the threads of a run. */
static double cpu_seconds[2];

static void* churn(void* arg) {
  double start = thread_cpu();
  pthread_mutex_t* locks = malloc(sizeof(pthread_mutex_t) * LOCKS);
  for (long i = 0; i < pairs / LOCKS; ++i) {
    for (int j = 0; j < LOCKS; ++j) pthread_mutex_init(&locks[j], NULL);
    for (int j = 0; j < LOCKS; ++j) pthread_mutex_destroy(&locks[j]);
  }
  free(locks);
  cpu_seconds[(long)arg] = thread_cpu() - start;
  return NULL;
}

static double run_threads(int n) {
  pthread_t t[2];
  double start = now();
  for (long i = 0; i < n; ++i) pthread_create(&t[i], NULL, churn, (void*)i);
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
  return now() - start;
}

int main(int argc, char** argv) {
  if (argc > 1) pairs = atol(argv[1]);
  run_threads(1); /* warm-up: the init site's class, the allocator */
  double one = run_threads(1);
  double one_cpu = cpu_seconds[0];
  double two = run_threads(2);
  double two_cpu = (cpu_seconds[0] + cpu_seconds[1]) / 2;
  printf("churn: init+destroy %.0f ns per pair (1 thread, %ld pairs; CPU %.0f ns)\n",
         one * 1e9 / pairs, pairs, one_cpu * 1e9 / pairs);
  printf("churn: two threads, %ld pairs each: %.2fx the wall time of one, CPU %.0f ns per pair "
         "(1.00x and the same CPU: they scale)\n",
         pairs, two / one, two_cpu * 1e9 / pairs);
  double start = now();
  for (int i = 0; i < CLASSES; ++i) {
    pthread_mutex_lock(&statics[i]);
    pthread_mutex_unlock(&statics[i]);
  }
  double first = now() - start;
  start = now();
  for (int i = 0; i < CLASSES; ++i) {
    pthread_mutex_lock(&statics[i]);
    pthread_mutex_unlock(&statics[i]);
  }
  double again = now() - start;
  printf("class: first lock+unlock of a new lock class %.0f ns (%d classes); later %.0f ns\n",
         first * 1e9 / CLASSES, CLASSES, again * 1e9 / CLASSES);
  return 0;
}
