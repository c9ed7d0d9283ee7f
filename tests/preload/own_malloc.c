/* A program with its own allocator, as programs linking jemalloc have
   (rustc, cargo): malloc and friends over a bump arena guarded by one
   mutex, taken with trylock first and lock when that fails, as jemalloc
   takes its own. The first trylock of the heap lock succeeds; the library
   then met that lock for the first time and symbolised its call site, which
   allocates: it used to call this malloc holding the heap lock, and the
   program waited for itself at start-up. And a thread that asks glibc for
   its own attributes first (as Rust's stack-overflow guard does) gets
   there holding the thread's glibc lock, from pthread_getattr_np's realloc,
   taking a lock never seen before: the library, learning that thread's
   stack bounds there, asked pthread_getattr_np again and waited for that
   glibc lock. alarm() turns such a hang into a failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static char* arena;
static size_t used;
static const size_t kArena = (size_t)1 << 30;

/* Each block: its size in the 16 bytes before it. Never freed. */
static void* take(size_t size, size_t align) {
  if (align < 16) align = 16;
  if (pthread_mutex_trylock(&heap_lock) != 0) pthread_mutex_lock(&heap_lock);
  if (arena == NULL) {
    arena = mmap(NULL, kArena, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
    if (arena == MAP_FAILED) arena = NULL;
  }
  char* p = NULL;
  if (arena != NULL) {
    size_t at = (used + 16 + align - 1) & ~(align - 1);
    if (at + size <= kArena) {
      p = arena + at;
      ((size_t*)p)[-2] = size;
      used = at + size;
    }
  }
  pthread_mutex_unlock(&heap_lock);
  if (p == NULL) errno = ENOMEM;
  return p;
}

static size_t size_of(void* p) { return ((size_t*)p)[-2]; }

void* malloc(size_t size) { return take(size, 16); }
void free(void* p) { (void)p; }
void* calloc(size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size) return NULL;
  return take(n * size, 16); /* fresh mmap pages are zero; nothing is reused */
}
static pthread_mutex_t getattr_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int in_getattr;

void* realloc(void* old, size_t size) {
  /* First taken here, inside pthread_getattr_np (see above). */
  if (in_getattr && pthread_mutex_trylock(&getattr_lock) == 0) pthread_mutex_unlock(&getattr_lock);
  void* p = take(size, 16);
  if (p != NULL && old != NULL) {
    size_t n = size_of(old);
    memcpy(p, old, n < size ? n : size);
  }
  return p;
}
int posix_memalign(void** out, size_t align, size_t size) {
  void* p = take(size, align);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}
void* aligned_alloc(size_t align, size_t size) { return take(size, align); }
void* memalign(size_t align, size_t size) { return take(size, align); }
void* valloc(size_t size) { return take(size, 4096); }
void* pvalloc(size_t size) { return take((size + 4095) & ~(size_t)4095, 4096); }
size_t malloc_usable_size(void* p) { return p ? size_of(p) : 0; }

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static int entries;

static void* work(void* arg) {
  (void)arg;
  pthread_attr_t attr;
  in_getattr = 1;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) pthread_attr_destroy(&attr);
  in_getattr = 0;
  for (int i = 0; i < 200; ++i) {
    char* s = malloc(64);
    if (pthread_mutex_trylock(&table_lock) != 0) pthread_mutex_lock(&table_lock);
    snprintf(s, 64, "entry %d", i);
    ++entries;
    pthread_mutex_unlock(&table_lock);
    free(s);
  }
  return NULL;
}

int main(void) {
  alarm(30);
  pthread_t a, b;
  pthread_create(&a, NULL, work, NULL);
  pthread_create(&b, NULL, work, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("own_malloc: %d entries\n", entries);
  return 0;
}
