/* Deadlocks through waits in a plain pthread program (docs/waits.md), one
 * scenario per argument. Every thread runs to completion before the next
 * step needs it, so no scenario ever hangs: the runtime must see the
 * dangerous order without the deadlock.
 *
 *   join        main joins a thread holding a lock the thread takes first
 *   join_clean  the thread takes the lock only after main released it
 *   cond        a wait on `m` holding `outer`, whose notifier takes `outer`
 *   cond_clean  the same, the notifier never taking `outer`
 *   sem         sem_wait under a lock that the poster takes before sem_post
 *   sem_clean   the poster posts first, then takes the lock
 *   pipeline    producer/consumer, no lock held around a wait or a post
 */
#include <pthread.h>
#include <semaphore.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int ready;
static atomic_int step;

static void* TakeOuter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&outer);
  pthread_mutex_unlock(&outer);
  return NULL;
}

/* main holds `outer` and joins a thread that took `outer` before exiting:
 * had main taken it first, the join would never return. The thread takes it
 * first here (step), so nothing blocks. join_clean: main joins holding
 * nothing. */
static void* TakeOuterThenSignal(void* arg) {
  TakeOuter(arg);
  atomic_store(&step, 1);
  return NULL;
}

static void* Notifier(void* arg) {
  int take_outer = *(int*)arg;
  if (take_outer) TakeOuter(NULL);
  atomic_store(&step, 1);
  while (atomic_load(&step) != 2) sched_yield();
  pthread_mutex_lock(&m);
  ready = 1;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&m);
  return NULL;
}

static void Cond(int take_outer) {
  pthread_t t;
  pthread_create(&t, NULL, Notifier, &take_outer);
  while (atomic_load(&step) != 1) sched_yield();
  pthread_mutex_lock(&outer);
  pthread_mutex_lock(&m);
  atomic_store(&step, 2);
  while (!ready) pthread_cond_wait(&cv, &m);
  pthread_mutex_unlock(&m);
  pthread_mutex_unlock(&outer);
  pthread_join(t, NULL);
}

static void* Poster(void* arg) {
  int lock_first = *(int*)arg;
  if (lock_first) TakeOuter(NULL);
  sem_post(&sem);
  if (!lock_first) TakeOuter(NULL);
  return NULL;
}

static void Sem(int lock_first) {
  pthread_t t;
  sem_init(&sem, 0, 0);
  pthread_create(&t, NULL, Poster, &lock_first);
  pthread_join(t, NULL);
  pthread_mutex_lock(&outer);
  sem_wait(&sem);
  pthread_mutex_unlock(&outer);
}

static void* Producer(void* arg) {
  (void)arg;
  for (int i = 0; i < 100; ++i) {
    pthread_mutex_lock(&m);
    ++ready;
    pthread_mutex_unlock(&m);
    sem_post(&sem);
  }
  return NULL;
}

static void Pipeline(void) {
  pthread_t t;
  sem_init(&sem, 0, 0);
  pthread_create(&t, NULL, Producer, NULL);
  for (int i = 0; i < 100; ++i) {
    sem_wait(&sem);
    pthread_mutex_lock(&m);
    --ready;
    pthread_mutex_unlock(&m);
  }
  pthread_join(t, NULL);
  printf("pipeline: %d left\n", ready);
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  if (strcmp(s, "join") == 0 || strcmp(s, "join_clean") == 0) {
    int clean = strcmp(s, "join_clean") == 0;
    pthread_t t;
    pthread_create(&t, NULL, TakeOuterThenSignal, NULL);
    while (atomic_load(&step) != 1) sched_yield();
    if (!clean) pthread_mutex_lock(&outer);
    pthread_join(t, NULL);
    if (!clean) pthread_mutex_unlock(&outer);
  } else if (strcmp(s, "cond") == 0) {
    Cond(1);
  } else if (strcmp(s, "cond_clean") == 0) {
    Cond(0);
  } else if (strcmp(s, "sem") == 0) {
    Sem(1);
  } else if (strcmp(s, "sem_clean") == 0) {
    Sem(0);
  } else if (strcmp(s, "pipeline") == 0) {
    Pipeline();
  } else {
    fprintf(stderr, "usage: waits join|join_clean|cond|cond_clean|sem|sem_clean|pipeline\n");
    return 2;
  }
  printf("waits %s: done\n", s);
  return 0;
}
