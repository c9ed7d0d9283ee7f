/* A correct bounded queue: producer and consumer share one mutex and two
   condition variables, and a stats lock is always taken inside the queue
   lock. Waits release and re-take the mutex; nothing may be reported. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define CAP 4
#define ITEMS 2000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stats_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int queue[CAP], head, count;
static long sum, waits;

static void* producer(void* arg) {
  for (int i = 1; i <= ITEMS; ++i) {
    pthread_mutex_lock(&mu);
    while (count == CAP) pthread_cond_wait(&not_full, &mu);
    queue[(head + count++) % CAP] = i;
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&mu);
  }
  return arg;
}

static void* consumer(void* arg) {
  for (int i = 1; i <= ITEMS; ++i) {
    pthread_mutex_lock(&mu);
    while (count == 0) {
      struct timespec deadline;
      clock_gettime(CLOCK_REALTIME, &deadline);
      deadline.tv_sec += 1;
      pthread_cond_timedwait(&not_empty, &mu, &deadline);
      pthread_mutex_lock(&stats_mu);
      ++waits;
      pthread_mutex_unlock(&stats_mu);
    }
    sum += queue[head];
    head = (head + 1) % CAP;
    --count;
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&mu);
  }
  return arg;
}

int main(void) {
  pthread_t p, c;
  pthread_create(&p, NULL, producer, NULL);
  pthread_create(&c, NULL, consumer, NULL);
  pthread_join(p, NULL);
  pthread_join(c, NULL);
  printf("condvar: sum %ld\n", sum);
  return sum == (long)ITEMS * (ITEMS + 1) / 2 ? 0 : 1;
}
