/* One program, two paths: "transfer" takes the ledger then the journal,
   "audit" takes the journal then the ledger. A run given one of them learns
   one order; only the merged graphs of two runs show the cycle. Given
   "both", one run takes both paths in two threads at once, which is where a
   confirmation run can make the deadlock real. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t ledger = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t journal = PTHREAD_MUTEX_INITIALIZER;
static int entries;

static void* transfer(void* arg) {
  pthread_mutex_lock(&ledger);
  pthread_mutex_lock(&journal);
  ++entries;
  pthread_mutex_unlock(&journal);
  pthread_mutex_unlock(&ledger);
  return arg;
}

static void* audit(void* arg) {
  pthread_mutex_lock(&journal);
  pthread_mutex_lock(&ledger);
  ++entries;
  pthread_mutex_unlock(&ledger);
  pthread_mutex_unlock(&journal);
  return arg;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "both";
  pthread_t t1, t2;
  int two = strcmp(mode, "both") == 0;
  pthread_create(&t1, NULL, strcmp(mode, "audit") == 0 ? audit : transfer, NULL);
  if (two) pthread_create(&t2, NULL, audit, NULL);
  pthread_join(t1, NULL);
  if (two) pthread_join(t2, NULL);
  printf("two_paths %s: %d entries\n", mode, entries);
  return 0;
}
