#include "instrument/preload/real.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace lockdep::preload {
namespace {

RealFunctions g_real;
std::atomic<int> g_state{0};  // 0 unresolved, 1 resolving, 2 resolved
__thread bool tls_resolving __attribute__((tls_model("initial-exec")));

alignas(64) char g_bootstrap[256 * 1024];
std::atomic<size_t> g_bootstrap_used{0};

void* Find(const char* name, const char* version = nullptr) {
  void* f = version ? dlvsym(RTLD_NEXT, name, version) : nullptr;
  if (!f) f = dlsym(RTLD_NEXT, name);
  if (!f) {
    // Without the real function the program cannot go on; say which.
    static const char kMsg[] = "lockdep preload: cannot find the real ";
    write(2, kMsg, sizeof(kMsg) - 1);
    for (const char* c = name; *c; ++c) write(2, c, 1);
    write(2, "\n", 1);
    abort();
  }
  return f;
}

template <typename T>
void Set(T& slot, const char* name, const char* version = nullptr) {
  slot = reinterpret_cast<T>(Find(name, version));
}

void ResolveAll() {
  RealFunctions& r = g_real;
  // Allocator first: dlsym's own allocations go to the bootstrap buffer only
  // until these are known.
  Set(r.malloc, "malloc");
  Set(r.free, "free");
  Set(r.calloc, "calloc");
  Set(r.realloc, "realloc");
  Set(r.posix_memalign, "posix_memalign");
  Set(r.aligned_alloc, "aligned_alloc");
  Set(r.memalign, "memalign");
  Set(r.valloc, "valloc");
  Set(r.pvalloc, "pvalloc");
  Set(r.mutex_init, "pthread_mutex_init");
  Set(r.mutex_destroy, "pthread_mutex_destroy");
  Set(r.mutex_lock, "pthread_mutex_lock");
  Set(r.mutex_trylock, "pthread_mutex_trylock");
  Set(r.mutex_timedlock, "pthread_mutex_timedlock");
  Set(r.mutex_clocklock, "pthread_mutex_clocklock");
  Set(r.mutex_unlock, "pthread_mutex_unlock");
  Set(r.rwlock_init, "pthread_rwlock_init");
  Set(r.rwlock_destroy, "pthread_rwlock_destroy");
  Set(r.rwlock_rdlock, "pthread_rwlock_rdlock");
  Set(r.rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
  Set(r.rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
  Set(r.rwlock_clockrdlock, "pthread_rwlock_clockrdlock");
  Set(r.rwlock_wrlock, "pthread_rwlock_wrlock");
  Set(r.rwlock_trywrlock, "pthread_rwlock_trywrlock");
  Set(r.rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
  Set(r.rwlock_clockwrlock, "pthread_rwlock_clockwrlock");
  Set(r.rwlock_unlock, "pthread_rwlock_unlock");
  Set(r.spin_init, "pthread_spin_init");
  Set(r.spin_destroy, "pthread_spin_destroy");
  Set(r.spin_lock, "pthread_spin_lock");
  Set(r.spin_trylock, "pthread_spin_trylock");
  Set(r.spin_unlock, "pthread_spin_unlock");
  // Plain dlsym can hand back the pre-2.3.2 condition variable ABI, which
  // takes a different object; programs built today use the 2.3.2 one.
  Set(r.cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
  Set(r.cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
  Set(r.cond_clockwait, "pthread_cond_clockwait");
  Set(r.cond_signal, "pthread_cond_signal", "GLIBC_2.3.2");
  Set(r.cond_broadcast, "pthread_cond_broadcast", "GLIBC_2.3.2");
  Set(r.sem_wait, "sem_wait");
  Set(r.sem_timedwait, "sem_timedwait");
  Set(r.sem_post, "sem_post");
  Set(r.create, "pthread_create");
  Set(r.join, "pthread_join");
}

}  // namespace

bool Resolving() { return tls_resolving; }

const RealFunctions& Real() {
  if (__builtin_expect(g_state.load(std::memory_order_acquire) == 2, 1)) {
    return g_real;
  }
  int expected = 0;
  if (g_state.compare_exchange_strong(expected, 1)) {
    tls_resolving = true;
    ResolveAll();
    tls_resolving = false;
    g_state.store(2, std::memory_order_release);
  } else {
    // Another thread resolves (only at start-up); its dlsym cannot wait on us.
    while (g_state.load(std::memory_order_acquire) != 2) sched_yield();
  }
  return g_real;
}

bool IsBootstrapMemory(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  auto b = reinterpret_cast<uintptr_t>(g_bootstrap);
  return a >= b && a < b + sizeof(g_bootstrap);
}

void* BootstrapAlloc(size_t size, size_t align) {
  if (align < 16) align = 16;
  size_t old = g_bootstrap_used.load(std::memory_order_relaxed);
  for (;;) {
    size_t start = (old + align - 1) & ~(align - 1);
    if (start + size > sizeof(g_bootstrap)) return nullptr;
    if (g_bootstrap_used.compare_exchange_weak(old, start + size)) {
      return g_bootstrap + start;  // static storage: already zero
    }
  }
}

}  // namespace lockdep::preload
