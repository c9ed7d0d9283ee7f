/* Deadlock shapes from other tools' test suites, rewritten as one plain C
   program (one scenario per argument), so the README can set lockdep's
   verdict beside ThreadSanitizer's (compiler-rt/test/tsan/
   deadlock_detector_stress_test.cpp: every lock there is made by one
   constructor, one init call site) and Helgrind's (helgrind/tests/tc13_laog1,
   tc14_laog_dinphils, tc15_laog_lockdel). Each scenario runs its threads one
   after another: nothing hangs, the orders are seen. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LOCKS 64

/* As the stress test's LockType: every lock from this one init call. */
static pthread_mutex_t* new_lock(int recursive) {
  pthread_mutex_t* m = malloc(sizeof(*m));
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(m, &attr);
  return m;
}

static pthread_mutex_t* l[MAX_LOCKS];
static pthread_rwlock_t rw[4];

static void make(int n, int recursive) {
  for (int i = 0; i < n; ++i) l[i] = new_lock(recursive);
}
static void L(int i) { pthread_mutex_lock(l[i]); }
static void U(int i) { pthread_mutex_unlock(l[i]); }
static int T(int i) { return pthread_mutex_trylock(l[i]) == 0; }
static void lock2(int a, int b) { L(a); L(b); U(b); U(a); }

static void* run_0_1(void* arg) { lock2(0, 1); return arg; }
static void* run_1_0(void* arg) { lock2(1, 0); return arg; }
static void in_thread(void* (*f)(void*)) {
  pthread_t t;
  pthread_create(&t, NULL, f, NULL);
  pthread_join(t, NULL);
}

/* Stress test 1 / Helgrind tc13: A then B, later B then A, one thread. */
static void abba(void) { make(2, 0); lock2(0, 1); lock2(1, 0); }
/* Stress test 5: the same across two threads. */
static void abba_threads(void) { make(2, 0); in_thread(run_0_1); in_thread(run_1_0); }
/* Stress test 2: a cycle of three. */
static void cycle3(void) { make(3, 0); lock2(0, 1); lock2(1, 2); lock2(2, 0); }
/* A cycle of ten. */
static void cycle10(void) {
  make(10, 0);
  for (int i = 0; i < 10; ++i) lock2(i, (i + 1) % 10);
}
/* Stress test 3: 4,096 locks made and destroyed (never taken) between the
   two orders. */
static void abba_new_locks_between(void) {
  make(2, 0);
  lock2(0, 1);
  for (int i = 0; i < 4096; ++i) {
    pthread_mutex_t* m = new_lock(0);
    pthread_mutex_destroy(m);
    free(m);
  }
  lock2(1, 0);
}
/* Stress test 4: 4,096 locks made, taken and destroyed between. */
static void abba_used_locks_between(void) {
  make(2, 0);
  lock2(0, 1);
  for (int i = 0; i < 4096; ++i) {
    pthread_mutex_t* m = new_lock(0);
    pthread_mutex_lock(m);
    pthread_mutex_unlock(m);
    pthread_mutex_destroy(m);
    free(m);
  }
  lock2(1, 0);
}
/* Stress test 7, first half: a trylock in either order is no cycle. */
static void trylock_no_cycle(void) {
  make(4, 0);
  L(0); if (T(1)) U(1); U(0);
  if (T(1)) { L(0); U(0); U(1); }
  if (T(2)) { L(3); U(3); U(2); }
  L(3); if (T(2)) U(2); U(3);
}
/* Stress test 7, second half: a lock taken under a held trylock depends
   on it. */
static void trylock_cycle(void) {
  make(2, 0);
  if (T(0)) { L(1); U(1); U(0); }
  L(1); L(0); U(0); U(1);
}
/* Stress test 8: reader then mutex, mutex then reader. With glibc's
   default rwlock a reader waits for no reader, so this cannot hang. */
static void rwlock_reader_mutex(void) {
  make(1, 0);
  pthread_rwlock_init(&rw[0], NULL);
  pthread_rwlock_rdlock(&rw[0]); L(0); U(0); pthread_rwlock_unlock(&rw[0]);
  L(0); pthread_rwlock_rdlock(&rw[0]); pthread_rwlock_unlock(&rw[0]); U(0);
}
/* The same with a writer in the second order: a real deadlock. */
static void rwlock_writer_mutex(void) {
  make(1, 0);
  pthread_rwlock_init(&rw[0], NULL);
  pthread_rwlock_rdlock(&rw[0]); L(0); U(0); pthread_rwlock_unlock(&rw[0]);
  L(0); pthread_rwlock_wrlock(&rw[0]); pthread_rwlock_unlock(&rw[0]); U(0);
}
/* Stress test 8: two readers in both orders (glibc's default rwlock lets a
   reader pass a waiting writer: readers never wait for readers). */
static void rwlock_readers(void) {
  for (int i = 0; i < 2; ++i) pthread_rwlock_init(&rw[i], NULL);
  pthread_rwlock_rdlock(&rw[0]); pthread_rwlock_rdlock(&rw[1]);
  pthread_rwlock_unlock(&rw[1]); pthread_rwlock_unlock(&rw[0]);
  pthread_rwlock_rdlock(&rw[1]); pthread_rwlock_rdlock(&rw[0]);
  pthread_rwlock_unlock(&rw[0]); pthread_rwlock_unlock(&rw[1]);
}
/* Stress test 9: recursive mutexes, each re-taken, in both orders. */
static void recursive_abba(void) {
  make(2, 1);
  L(0); L(0); L(1); U(1); U(0); U(0);
  L(1); L(1); L(0); U(0); U(1); U(1);
}
/* Stress test 15: a reader re-taking its read lock. */
static void recursive_read(void) {
  pthread_rwlock_init(&rw[0], NULL);
  pthread_rwlock_rdlock(&rw[0]); pthread_rwlock_rdlock(&rw[0]);
  pthread_rwlock_unlock(&rw[0]); pthread_rwlock_unlock(&rw[0]);
}
/* Stress tests 14 and 18: locks made, taken and destroyed in loops, by
   four threads, each on its own. */
static void* churn_thread(void* arg) {
  pthread_mutex_t local[4];
  for (int it = 0; it < 2000; ++it) {
    for (int i = 0; i < 4; ++i) pthread_mutex_init(&local[i], NULL);
    for (int i = 0; i < 4; ++i) pthread_mutex_lock(&local[i]);
    for (int i = 3; i >= 0; --i) pthread_mutex_unlock(&local[i]);
    for (int i = 0; i < 4; ++i) pthread_mutex_destroy(&local[i]);
  }
  return arg;
}
static void churn(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, churn_thread, NULL);
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
}
/* Helgrind tc14: five philosophers, forks from one init loop, each takes
   left then right. */
static void* dine(void* arg) { long i = (long)arg; lock2(i, (i + 1) % 5); return NULL; }
static void philosophers(void) {
  make(5, 0);
  for (long i = 0; i < 5; ++i) {
    pthread_t t;
    pthread_create(&t, NULL, dine, (void*)i);
    pthread_join(t, NULL);
  }
}
/* Helgrind tc15: 1 -> 2, then 2 -> 1 (the report); then lock 2 freed and
   made again: a new lock, so 2 -> 1 again is no second problem. */
static void lock_deletion(void) {
  make(2, 0);
  lock2(0, 1);
  lock2(1, 0);
  pthread_mutex_destroy(l[1]);
  free(l[1]);
  l[1] = new_lock(0);
  lock2(1, 0);
  printf("shapes: reports above are from before the deletion\n");
}
/* Tiny stacks: the ABBA between two threads of PTHREAD_STACK_MIN + 4096. */
static void tiny_stacks(void) {
  make(2, 0);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN + 4096);
  pthread_t t;
  pthread_create(&t, &attr, run_0_1, NULL);
  pthread_join(t, NULL);
  pthread_create(&t, &attr, run_1_0, NULL);
  pthread_join(t, NULL);
}

int main(int argc, char** argv) {
  static const struct {
    const char* name;
    void (*run)(void);
  } shapes[] = {
      {"abba", abba},
      {"abba_threads", abba_threads},
      {"cycle3", cycle3},
      {"cycle10", cycle10},
      {"abba_new_locks_between", abba_new_locks_between},
      {"abba_used_locks_between", abba_used_locks_between},
      {"trylock_no_cycle", trylock_no_cycle},
      {"trylock_cycle", trylock_cycle},
      {"rwlock_reader_mutex", rwlock_reader_mutex},
      {"rwlock_writer_mutex", rwlock_writer_mutex},
      {"rwlock_readers", rwlock_readers},
      {"recursive_abba", recursive_abba},
      {"recursive_read", recursive_read},
      {"churn", churn},
      {"philosophers", philosophers},
      {"lock_deletion", lock_deletion},
      {"tiny_stacks", tiny_stacks},
  };
  if (argc != 2) {
    fprintf(stderr, "usage: shapes SHAPE\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); ++i) {
    if (strcmp(argv[1], shapes[i].name) == 0) {
      shapes[i].run();
      printf("shapes: %s done\n", argv[1]);
      return 0;
    }
  }
  fprintf(stderr, "shapes: unknown shape %s\n", argv[1]);
  return 2;
}
