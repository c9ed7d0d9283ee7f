/* The three cases where the library reads glibc's own state of a lock
   (who holds it), for each of glibc's three lock types:
     TYPE destroy_free   destroy a lock nobody holds          (clean)
     TYPE unlock_free    unlock a lock nobody ever took       (bad unlock)
     TYPE destroy_other  destroy a lock another thread holds  (held lock freed)
   TYPE is mutex, rwlock (write-held), rwlock_read (read-held) or spin.
   Plain C, no lockdep header. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t m;
static pthread_rwlock_t rw;
static pthread_spinlock_t s;
static int type; /* 0 mutex, 1 rwlock (writer), 2 rwlock (reader), 3 spin */

/* The holder thread takes the lock, says so, and keeps it until main has
   destroyed it. */
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int stage;

static void set_stage(int v) {
  pthread_mutex_lock(&gate);
  stage = v;
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate);
}

static void wait_stage(int v) {
  pthread_mutex_lock(&gate);
  while (stage < v) pthread_cond_wait(&gate_cv, &gate);
  pthread_mutex_unlock(&gate);
}

static void init_lock(void) {
  switch (type) {
    case 0: pthread_mutex_init(&m, NULL); break;
    case 1:
    case 2: pthread_rwlock_init(&rw, NULL); break;
    case 3: pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE); break;
  }
}

static void lock(void) {
  switch (type) {
    case 0: pthread_mutex_lock(&m); break;
    case 1: pthread_rwlock_wrlock(&rw); break;
    case 2: pthread_rwlock_rdlock(&rw); break;
    case 3: pthread_spin_lock(&s); break;
  }
}

static int unlock(void) {
  switch (type) {
    case 0: return pthread_mutex_unlock(&m);
    case 1:
    case 2: return pthread_rwlock_unlock(&rw);
    case 3: return pthread_spin_unlock(&s);
  }
  return -1;
}

static int destroy(void) {
  switch (type) {
    case 0: return pthread_mutex_destroy(&m);
    case 1:
    case 2: return pthread_rwlock_destroy(&rw);
    case 3: return pthread_spin_destroy(&s);
  }
  return -1;
}

static void* holder(void* arg) {
  lock();
  set_stage(1);
  wait_stage(2);
  /* glibc refused the mutex's destroy (EBUSY) and does nothing for the
     others: the lock still works, and its holder lets it go. */
  unlock();
  return arg;
}

int main(int argc, char** argv) {
  static const char* types[] = {"mutex", "rwlock", "rwlock_read", "spin"};
  if (argc != 3) {
    fprintf(stderr, "usage: lock_states TYPE CASE\n");
    return 2;
  }
  type = -1;
  for (int i = 0; i < 4; ++i) {
    if (strcmp(argv[1], types[i]) == 0) type = i;
  }
  if (type < 0) {
    fprintf(stderr, "lock_states: unknown type %s\n", argv[1]);
    return 2;
  }
  init_lock();
  if (strcmp(argv[2], "destroy_free") == 0) {
    lock();
    unlock();
    printf("destroy returned %d\n", destroy());
  } else if (strcmp(argv[2], "unlock_free") == 0) {
    printf("unlock returned %d\n", unlock());
  } else if (strcmp(argv[2], "destroy_other") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, holder, NULL);
    wait_stage(1);
    printf("destroy returned %d\n", destroy());
    set_stage(2);
    pthread_join(t, NULL);
  } else {
    fprintf(stderr, "lock_states: unknown case %s\n", argv[2]);
    return 2;
  }
  printf("lock_states: done\n");
  return 0;
}
