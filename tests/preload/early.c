/* Runs with libearly_threads.so, whose constructor took a lock and started a
   thread before the preload library was ready. Then takes the thread's two
   locks in the other order: one inversion, between a thread that began
   before the library and one after, and nothing else to report. */
#include <pthread.h>
#include <stdio.h>

extern pthread_mutex_t early_a, early_b;
void early_threads_finish(void);

int main(void) {
  early_threads_finish();
  pthread_mutex_lock(&early_b);
  pthread_mutex_lock(&early_a);
  pthread_mutex_unlock(&early_a);
  pthread_mutex_unlock(&early_b);
  puts("early: done");
  return 0;
}
