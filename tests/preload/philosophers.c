/* The dining philosophers: five forks in an array, each philosopher takes
   the left fork then the right one, so the last closes the circle. Each
   dines in turn (no hang), yet the order can deadlock. With ordered=1 (the
   argument "ordered") every philosopher takes the lower-numbered fork first,
   the textbook fix: then nothing is reported. The forks are one array, so
   one class per fork address (static storage). With "init" the forks are
   set up by one pthread_mutex_init call site instead, so all five are one
   class: the cycle is then among instances of that class. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define N 5
static pthread_mutex_t forks[N] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static int ordered;
static int meals;

static void* dine(void* arg) {
  int i = (int)(long)arg;
  int first = i, second = (i + 1) % N;
  if (ordered && second < first) {
    int t = first;
    first = second;
    second = t;
  }
  pthread_mutex_lock(&forks[first]);
  pthread_mutex_lock(&forks[second]);
  ++meals;
  pthread_mutex_unlock(&forks[second]);
  pthread_mutex_unlock(&forks[first]);
  return NULL;
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "ordered") == 0) ordered = 1;
    if (strcmp(argv[i], "init") == 0) {
      for (int f = 0; f < N; ++f) pthread_mutex_init(&forks[f], NULL);
    }
  }
  for (long i = 0; i < N; ++i) {
    pthread_t t;
    pthread_create(&t, NULL, dine, (void*)i);
    pthread_join(t, NULL);
  }
  printf("philosophers: %d meals\n", meals);
  return 0;
}
