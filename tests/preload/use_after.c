/* A lock used after its destroy or after its memory was freed, and the
   near misses where the memory holds a new lock by then. One scenario per
   argument; plain C, no lockdep header.
     mutex_destroyed, rwlock_destroyed, spin_destroyed, mutex_trylock_destroyed,
     mutex_freed: reported (use of uninitialized or destroyed lock)
     mutex_reinit, mutex_reassigned, stack_reuse, heap_reuse: clean */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The mutex well inside the block: the allocator keeps its own links in
   the first words of a freed block. */
struct node {
  char pad[64];
  pthread_mutex_t mu;
};

static pthread_mutex_t m;
static pthread_rwlock_t rw;
static pthread_spinlock_t s;

__attribute__((noinline)) static void destroy_mutex(void) { pthread_mutex_destroy(&m); }

__attribute__((noinline)) static void free_node(struct node* n) { free(n); }

static int mutex_destroyed(void) {
  pthread_mutex_init(&m, NULL);
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  destroy_mutex();
  int ret = pthread_mutex_lock(&m);
  printf("lock after destroy returned %s\n", ret == EINVAL ? "EINVAL" : "other");
  if (ret == 0) pthread_mutex_unlock(&m);
  return 0;
}

static int mutex_trylock_destroyed(void) {
  pthread_mutex_init(&m, NULL);
  destroy_mutex();
  int ret = pthread_mutex_trylock(&m);
  printf("trylock after destroy returned %s\n", ret == EINVAL ? "EINVAL" : "other");
  if (ret == 0) pthread_mutex_unlock(&m);
  return 0;
}

static int rwlock_destroyed(void) {
  pthread_rwlock_init(&rw, NULL);
  pthread_rwlock_destroy(&rw);
  if (pthread_rwlock_rdlock(&rw) == 0) pthread_rwlock_unlock(&rw);
  return 0;
}

static int spin_destroyed(void) {
  pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
  pthread_spin_destroy(&s);
  if (pthread_spin_lock(&s) == 0) pthread_spin_unlock(&s);
  return 0;
}

static int mutex_freed(void) {
  struct node* n = malloc(sizeof(*n));
  pthread_mutex_init(&n->mu, NULL);
  pthread_mutex_lock(&n->mu);
  pthread_mutex_unlock(&n->mu);
  free_node(n);
  /* Use after free: the block is not allocated again in between. */
  pthread_mutex_t* dangling = &n->mu;
  if (pthread_mutex_lock(dangling) == 0) pthread_mutex_unlock(dangling);
  return 0;
}

static int mutex_reinit(void) {
  pthread_mutex_init(&m, NULL);
  pthread_mutex_destroy(&m);
  pthread_mutex_init(&m, NULL);
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  pthread_mutex_destroy(&m);
  return 0;
}

static int mutex_reassigned(void) {
  pthread_mutex_init(&m, NULL);
  pthread_mutex_destroy(&m);
  pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
  m = fresh;
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  return 0;
}

/* Two frames in turn at one stack depth: the second's lock, set up by its
   initializer, lies where the first's destroyed one did. */
__attribute__((noinline)) static uintptr_t rwlock_frame(int destroy) {
  pthread_rwlock_t l = PTHREAD_RWLOCK_INITIALIZER;
  if (destroy) {
    pthread_rwlock_init(&l, NULL);
    pthread_rwlock_rdlock(&l);
    pthread_rwlock_unlock(&l);
    pthread_rwlock_destroy(&l);
  } else {
    pthread_rwlock_wrlock(&l);
    pthread_rwlock_unlock(&l);
  }
  /* Only compared, never used: returned as a number, through an empty asm
     (gcc may replace a returned pointer to a local with NULL, and then
     every two frames would "match"). */
  uintptr_t at = (uintptr_t)&l;
  __asm__("" : "+r"(at));
  return at;
}

static int stack_reuse(void) {
  uintptr_t a = rwlock_frame(1);
  uintptr_t b = rwlock_frame(0);
  printf("same address: %s\n", a == b ? "yes" : "no");
  return 0;
}

static int heap_reuse(void) {
  struct node* n = malloc(sizeof(*n));
  pthread_mutex_init(&n->mu, NULL);
  pthread_mutex_lock(&n->mu);
  pthread_mutex_unlock(&n->mu);
  free(n);
  /* Blocks that held locks come back to the allocator only after a number
     of later such frees (the library's quarantine): free lock-holding
     blocks until the allocator hands this one out again. */
  struct node* again = NULL;
  for (int i = 0; i < 1000 && again != n; ++i) {
    if (again != NULL) free(again);
    again = malloc(sizeof(*again));
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    again->mu = fresh;
    pthread_mutex_lock(&again->mu);
    pthread_mutex_unlock(&again->mu);
  }
  printf("same address: %s\n", again == n ? "yes" : "no");
  free(again);
  return 0;
}

int main(int argc, char** argv) {
  static const struct {
    const char* name;
    int (*run)(void);
  } scenarios[] = {
      {"mutex_destroyed", mutex_destroyed},
      {"mutex_trylock_destroyed", mutex_trylock_destroyed},
      {"rwlock_destroyed", rwlock_destroyed},
      {"spin_destroyed", spin_destroyed},
      {"mutex_freed", mutex_freed},
      {"mutex_reinit", mutex_reinit},
      {"mutex_reassigned", mutex_reassigned},
      {"stack_reuse", stack_reuse},
      {"heap_reuse", heap_reuse},
  };
  if (argc != 2) {
    fprintf(stderr, "usage: use_after SCENARIO\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); ++i) {
    if (strcmp(argv[1], scenarios[i].name) == 0) {
      int ret = scenarios[i].run();
      printf("use_after: done\n");
      return ret;
    }
  }
  fprintf(stderr, "use_after: unknown scenario %s\n", argv[1]);
  return 2;
}
