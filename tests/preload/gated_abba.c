/* ABBA under a gate: two threads, running together, take a and b in
   opposite orders, but always while holding one outer lock, so the two
   orders can never meet. Lockdep reports the order (its rule is about order,
   and the gate is often incidental); a confirmation run finds the gate and
   cannot reproduce it. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;

static void* a_then_b(void* arg) {
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_lock(&gate);
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&gate);
  }
  return arg;
}

static void* b_then_a(void* arg) {
  for (int i = 0; i < 3; ++i) {
    pthread_mutex_lock(&gate);
    pthread_mutex_lock(&b);
    pthread_mutex_lock(&a);
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&gate);
  }
  return arg;
}

int main(void) {
  pthread_t t1, t2;
  pthread_create(&t1, NULL, a_then_b, NULL);
  pthread_create(&t2, NULL, b_then_a, NULL);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  puts("gated_abba: done");
  return 0;
}
