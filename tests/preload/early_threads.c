/* A library of the program's own, which the loader starts before the
   preloaded one (a program's libraries are initialised before LD_PRELOAD
   ones): its constructor takes a lock and starts a thread that locks and
   allocates, all before liblockdep_preload.so is ready. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

pthread_mutex_t early_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t early_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held_from_start = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static atomic_int go;
static pthread_t worker;

static void* Work(void* arg) {
  (void)arg;
  while (!atomic_load(&go)) {
    pthread_mutex_lock(&busy);
    free(malloc(64));
    pthread_mutex_unlock(&busy);
  }
  /* The same thread, once the library is ready: validated as any other. */
  pthread_mutex_lock(&early_a);
  pthread_mutex_lock(&early_b);
  pthread_mutex_unlock(&early_b);
  pthread_mutex_unlock(&early_a);
  return NULL;
}

__attribute__((constructor)) static void StartEarly(void) {
  pthread_mutex_lock(&held_from_start);
  pthread_create(&worker, NULL, Work, NULL);
}

/* Called from main: releases the lock taken before the library was ready
   (not a bad unlock), then lets the thread go on and waits for it. */
void early_threads_finish(void) {
  pthread_mutex_unlock(&held_from_start);
  atomic_store(&go, 1);
  pthread_join(worker, NULL);
}
