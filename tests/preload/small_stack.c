/* Threads with PTHREAD_STACK_MIN + 4096 bytes of stack (legal, and common
   in embedded-style code) lock, nest and invert: under the library they
   must run to the end as they do without it. With "abba", two of them
   take two locks in opposite orders, which must still be reported. Plain
   C, no lockdep header. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_rwlock_t table = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t spin;
static int abba;
static long work;

static void* worker(void* arg) {
  long id = (long)arg;
  pthread_mutex_t own;
  pthread_mutex_init(&own, NULL); /* an init call: classed by its stack */
  for (int i = 0; i < 100; ++i) {
    pthread_rwlock_rdlock(&table);
    pthread_mutex_lock(&own);
    pthread_spin_lock(&spin);
    ++work;
    pthread_spin_unlock(&spin);
    pthread_mutex_unlock(&own);
    pthread_rwlock_unlock(&table);
  }
  pthread_mutex_destroy(&own);
  if (abba) {
    pthread_mutex_t* first = id == 0 ? &a : &b;
    pthread_mutex_t* second = id == 0 ? &b : &a;
    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
  }
  return NULL;
}

int main(int argc, char** argv) {
  abba = argc > 1 && strcmp(argv[1], "abba") == 0;
  pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN + 4096) != 0) {
    fprintf(stderr, "small_stack: setstacksize refused\n");
    return 2;
  }
  /* One after the other: the program never hangs, the order is seen. */
  for (long i = 0; i < 2; ++i) {
    pthread_t t;
    if (pthread_create(&t, &attr, worker, (void*)i) != 0) {
      fprintf(stderr, "small_stack: pthread_create failed\n");
      return 2;
    }
    pthread_join(t, NULL);
  }
  printf("small_stack: %ld units of work\n", work);
  return 0;
}
