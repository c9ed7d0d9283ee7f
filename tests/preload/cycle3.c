/* Three threads, three heap-allocated mutexes set up by pthread_mutex_init
   at three sites, locked x->y, y->z, z->x: a cycle no pair shows. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t* x;
static pthread_mutex_t* y;
static pthread_mutex_t* z;

static void nest(pthread_mutex_t* outer, pthread_mutex_t* inner) {
  pthread_mutex_lock(outer);
  pthread_mutex_lock(inner);
  pthread_mutex_unlock(inner);
  pthread_mutex_unlock(outer);
}

static void* xy(void* arg) { nest(x, y); return arg; }
static void* yz(void* arg) { nest(y, z); return arg; }
static void* zx(void* arg) { nest(z, x); return arg; }

int main(void) {
  x = malloc(sizeof *x);
  y = malloc(sizeof *y);
  z = malloc(sizeof *z);
  pthread_mutex_init(x, NULL);
  pthread_mutex_init(y, NULL);
  pthread_mutex_init(z, NULL);
  void* (*steps[3])(void*) = {xy, yz, zx};
  for (int i = 0; i < 3; ++i) {
    pthread_t t;
    pthread_create(&t, NULL, steps[i], NULL);
    pthread_join(t, NULL);
  }
  puts("cycle3: done");
  return 0;
}
