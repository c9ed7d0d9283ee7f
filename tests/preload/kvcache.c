/* A small key-value cache, as a server keeps one: a hash table under
   table_lock, an LRU list under lru_lock, worker threads serving gets and
   puts, and an evictor thread that trims the cache to its capacity.

   The planted deadlock: a get finds its entry under table_lock, then moves
   it to the LRU front under lru_lock (table -> lru); the evictor picks its
   victim from the LRU tail under lru_lock, then unlinks it from the table
   under table_lock (lru -> table). Run once, it usually finishes (each hold
   is short); lockdep reports the order; a confirmation run makes it hang,
   and reports it as confirmed instead. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BUCKETS 64
#define CAPACITY 32
#define WORKERS 2
#define REQUESTS 100

struct entry {
  int key, value;
  struct entry* next;                /* hash chain */
  struct entry *lru_prev, *lru_next; /* LRU list, most recent first */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lru_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry* table[BUCKETS];
static struct entry lru = {0, 0, NULL, &lru, &lru};
static int size, hits, misses;
static volatile int done;

static void lru_unlink(struct entry* e) {
  e->lru_prev->lru_next = e->lru_next;
  e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push_front(struct entry* e) {
  e->lru_next = lru.lru_next;
  e->lru_prev = &lru;
  lru.lru_next->lru_prev = e;
  lru.lru_next = e;
}

static struct entry** slot_of(int key) {
  struct entry** p = &table[key % BUCKETS];
  while (*p && (*p)->key != key) p = &(*p)->next;
  return p;
}

static int cache_get(int key, int* value) {
  pthread_mutex_lock(&table_lock);
  struct entry* e = *slot_of(key);
  if (e) {
    *value = e->value;
    pthread_mutex_lock(&lru_lock); /* table -> lru */
    lru_unlink(e);
    lru_push_front(e);
    pthread_mutex_unlock(&lru_lock);
  }
  pthread_mutex_unlock(&table_lock);
  return e != NULL;
}

static void cache_put(int key, int value) {
  struct entry* e = calloc(1, sizeof(*e));
  e->key = key;
  e->value = value;
  pthread_mutex_lock(&table_lock);
  struct entry** p = slot_of(key);
  if (*p) {
    (*p)->value = value;
    free(e);
  } else {
    *p = e;
    ++size;
    pthread_mutex_lock(&lru_lock);
    lru_push_front(e);
    pthread_mutex_unlock(&lru_lock);
  }
  pthread_mutex_unlock(&table_lock);
}

/* Drops the least recently used entry while the cache is over capacity. */
static void evict(void) {
  for (;;) {
    pthread_mutex_lock(&lru_lock);
    struct entry* victim = lru.lru_prev;
    if (victim == &lru || size <= CAPACITY) {
      pthread_mutex_unlock(&lru_lock);
      return;
    }
    lru_unlink(victim);
    pthread_mutex_lock(&table_lock); /* lru -> table: the planted inversion */
    *slot_of(victim->key) = victim->next;
    --size;
    pthread_mutex_unlock(&table_lock);
    pthread_mutex_unlock(&lru_lock);
    free(victim);
  }
}

static void* worker(void* arg) {
  unsigned seed = (unsigned)(long)arg;
  for (int i = 0; i < REQUESTS; ++i) {
    int key = (int)(rand_r(&seed) % 100), value;
    if (cache_get(key, &value)) {
      __atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED);
    } else {
      __atomic_add_fetch(&misses, 1, __ATOMIC_RELAXED);
      cache_put(key, key * 10);
    }
  }
  return NULL;
}

static void* evictor(void* arg) {
  while (!done) {
    evict();
    usleep(1000); /* trim now and then */
  }
  evict();
  return arg;
}

int main(void) {
  pthread_t workers[WORKERS], trim;
  /* Warm start, as from a snapshot: more keys than fit, trimmed once. */
  for (int key = 0; key < CAPACITY + 8; ++key) cache_put(key, key * 10);
  evict();
  pthread_create(&trim, NULL, evictor, NULL);
  for (long i = 0; i < WORKERS; ++i) pthread_create(&workers[i], NULL, worker, (void*)(i + 1));
  for (int i = 0; i < WORKERS; ++i) pthread_join(workers[i], NULL);
  done = 1;
  pthread_join(trim, NULL);
  printf("kvcache: %d hits, %d misses, %d cached\n", hits, misses, size);
  return 0;
}
