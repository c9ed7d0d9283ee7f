/* An ABBA that always deadlocks: a barrier makes each thread take its
   first lock before either takes its second. Plain, it hangs for good;
   under lockdep-run --confirm the recording run's deadlock watch reports
   it and ends it. With "fork", the parent takes a lock first (so the watch
   is running) and the deadlock happens in a forked child, whose status the
   parent returns. Plain pthreads, no lockdep header. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold_one;

static void* take(void* arg) {
  pthread_mutex_t* first = arg ? &b : &a;
  pthread_mutex_t* second = arg ? &a : &b;
  pthread_mutex_lock(first);
  pthread_barrier_wait(&both_hold_one);
  pthread_mutex_lock(second);
  pthread_mutex_unlock(second);
  pthread_mutex_unlock(first);
  return NULL;
}

static int deadlock(void);

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "fork") == 0) {
    static pthread_mutex_t before = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&before);
    pthread_mutex_unlock(&before);
    pid_t child = fork();
    if (child == 0) return deadlock();
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return deadlock();
}

static int deadlock(void) {
  pthread_t t1, t2;
  pthread_barrier_init(&both_hold_one, NULL, 2);
  pthread_create(&t1, NULL, take, NULL);
  pthread_create(&t2, NULL, take, (void*)1);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  puts("sure_deadlock: not reached");
  return 0;
}
