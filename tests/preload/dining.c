/* The dining philosophers at one table: five threads dine together, each
   taking its left fork then its right one, three meals each. Unsteered, a
   meal is short enough that the circle of waits is rare; steered
   (lockdep-run --confirm), every philosopher holds a left fork at once and
   the deadlock is real. Plain pthreads, no lockdep header. */
#include <pthread.h>
#include <stdio.h>

#define N 5
static pthread_mutex_t forks[N] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int meals;

static void* dine(void* arg) {
  int i = (int)(long)arg;
  for (int m = 0; m < 3; ++m) {
    pthread_mutex_lock(&forks[i]);
    pthread_mutex_lock(&forks[(i + 1) % N]);
    pthread_mutex_lock(&count_lock);
    ++meals;
    pthread_mutex_unlock(&count_lock);
    pthread_mutex_unlock(&forks[(i + 1) % N]);
    pthread_mutex_unlock(&forks[i]);
  }
  return NULL;
}

int main(void) {
  pthread_t t[N];
  for (long i = 0; i < N; ++i) pthread_create(&t[i], NULL, dine, (void*)i);
  for (int i = 0; i < N; ++i) pthread_join(t[i], NULL);
  printf("dining: %d meals\n", meals);
  return 0;
}
