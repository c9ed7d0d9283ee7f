// The allocator, interposed only to know where heap blocks start and who
// allocated them (block_table.h), and to forget the locks in a block when it
// is freed. Allocation itself is always the next allocator's (glibc's, or
// one the program brings), reached through Real(). new/delete are replaced
// too, so a block's site is the line that said `new Account`, not the inside
// of libstdc++'s operator new.
#include <errno.h>
#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "instrument/preload/block_table.h"
#include "instrument/preload/forget.h"
#include "instrument/preload/lock_entry.h"
#include "instrument/preload/real.h"

namespace lockdep::preload {
namespace {

// Allocations are tracked from the first call, before the validator is
// ready, so blocks made by early constructors are known too; never from
// inside the library or the validator (their own memory holds no program
// locks, and a table lock must not be taken twice by one thread).
inline bool Track() { return tls_busy == 0 && !lockdep_thread_in_validator(); }

inline void* Tracked(void* p, size_t size, uintptr_t site) {
  if (p && Track()) {
    Busy busy;
    AddBlock(reinterpret_cast<uintptr_t>(p), size, site);
  }
  return p;
}

// True when the block held locks.
bool Untrack(void* p, uintptr_t ra) {
  if (!p || !Track()) return false;
  Busy busy;
  Block b;
  if (RemoveBlock(reinterpret_cast<uintptr_t>(p), &b) && b.has_locks) {
    ForgetLocksIn(b.start, b.size, ra);
    return true;
  }
  return false;
}

// Blocks that held locks wait here, as in AddressSanitizer's quarantine,
// for the next kQuarantined such frees before they go back to the
// allocator: a use of a lock after its block was freed is reported, then
// the real function runs on the block as the program left it, not on the
// report's own strings (the report allocates, and the allocator would hand
// out the block just freed: glibc's pthread_mutex_lock then asserted on the
// owner field). Lock-free, so a fork never copies it locked.
constexpr size_t kQuarantined = 64;
std::atomic<void*> g_quarantine[kQuarantined];
std::atomic<size_t> g_quarantine_next{0};

void Quarantine(void* p) {
  const size_t slot = g_quarantine_next.fetch_add(1, std::memory_order_relaxed) % kQuarantined;
  if (void* old = g_quarantine[slot].exchange(p, std::memory_order_acq_rel)) Real().free(old);
}

void* Malloc(size_t n, uintptr_t site) {
  if (__builtin_expect(Resolving(), 0)) return BootstrapAlloc(n, 16);
  return Tracked(Real().malloc(n), n, site);
}

void Free(void* p, uintptr_t ra) {
  if (!p || IsBootstrapMemory(p)) return;
  if (Untrack(p, ra)) {
    Quarantine(p);
  } else {
    Real().free(p);
  }
}

void* AlignedAlloc(size_t align, size_t n, uintptr_t site) {
  if (__builtin_expect(Resolving(), 0)) return BootstrapAlloc(n, align);
  void* p = nullptr;
  if (Real().posix_memalign(&p, align < sizeof(void*) ? sizeof(void*) : align, n) != 0) {
    return nullptr;
  }
  return Tracked(p, n, site);
}

// operator new's contract: retry through the new handler, else throw.
void* New(size_t n, uintptr_t site) {
  for (;;) {
    if (void* p = Malloc(n ? n : 1, site)) return p;
    std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}

void* NewAligned(size_t n, std::align_val_t a, uintptr_t site) {
  for (;;) {
    if (void* p = AlignedAlloc(static_cast<size_t>(a), n ? n : 1, site)) return p;
    std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}

}  // namespace
}  // namespace lockdep::preload

using namespace lockdep::preload;

extern "C" {

void* malloc(size_t n) { return Malloc(n, LOCKDEP_PRELOAD_RA); }

void free(void* p) { Free(p, LOCKDEP_PRELOAD_RA); }

void cfree(void* p) { Free(p, LOCKDEP_PRELOAD_RA); }

void* calloc(size_t count, size_t n) {
  // The bootstrap buffer is static storage: already zero.
  if (__builtin_expect(Resolving(), 0)) {
    size_t total;
    if (__builtin_mul_overflow(count, n, &total)) return nullptr;
    return BootstrapAlloc(total, 16);
  }
  return Tracked(Real().calloc(count, n), count * n, LOCKDEP_PRELOAD_RA);
}

void* realloc(void* p, size_t n) {
  uintptr_t site = LOCKDEP_PRELOAD_RA;
  if (!p) return Malloc(n, site);
  if (IsBootstrapMemory(p)) {
    void* q = Malloc(n, site);
    if (q) std::memcpy(q, p, n);  // the buffer is long enough to read n
    return q;
  }
  // Forget the old block first: whether it moves or shrinks in place, a
  // lock that was in it is not the lock the program will find there next.
  Untrack(p, site);
  void* q = Real().realloc(p, n);
  // A failed realloc leaves the old block as it was: known again.
  if (!q && n) {
    Tracked(p, malloc_usable_size(p), site);
    return nullptr;
  }
  return Tracked(q, n, site);
}

int posix_memalign(void** out, size_t align, size_t n) {
  if (__builtin_expect(Resolving(), 0)) {
    *out = BootstrapAlloc(n, align);
    return *out ? 0 : ENOMEM;
  }
  int ret = Real().posix_memalign(out, align, n);
  if (ret == 0) Tracked(*out, n, LOCKDEP_PRELOAD_RA);
  return ret;
}

void* aligned_alloc(size_t align, size_t n) {
  if (__builtin_expect(Resolving(), 0)) return BootstrapAlloc(n, align);
  return Tracked(Real().aligned_alloc(align, n), n, LOCKDEP_PRELOAD_RA);
}

void* memalign(size_t align, size_t n) {
  if (__builtin_expect(Resolving(), 0)) return BootstrapAlloc(n, align);
  return Tracked(Real().memalign(align, n), n, LOCKDEP_PRELOAD_RA);
}

void* valloc(size_t n) {
  if (__builtin_expect(Resolving(), 0)) return BootstrapAlloc(n, 4096);
  return Tracked(Real().valloc(n), n, LOCKDEP_PRELOAD_RA);
}

void* pvalloc(size_t n) {
  if (__builtin_expect(Resolving(), 0)) return BootstrapAlloc(n, 4096);
  return Tracked(Real().pvalloc(n), n, LOCKDEP_PRELOAD_RA);
}

}  // extern "C"

void* operator new(size_t n) { return New(n, LOCKDEP_PRELOAD_RA); }
void* operator new[](size_t n) { return New(n, LOCKDEP_PRELOAD_RA); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return Malloc(n ? n : 1, LOCKDEP_PRELOAD_RA);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return Malloc(n ? n : 1, LOCKDEP_PRELOAD_RA);
}
void* operator new(size_t n, std::align_val_t a) { return NewAligned(n, a, LOCKDEP_PRELOAD_RA); }
void* operator new[](size_t n, std::align_val_t a) {
  return NewAligned(n, a, LOCKDEP_PRELOAD_RA);
}
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AlignedAlloc(static_cast<size_t>(a), n ? n : 1, LOCKDEP_PRELOAD_RA);
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AlignedAlloc(static_cast<size_t>(a), n ? n : 1, LOCKDEP_PRELOAD_RA);
}
void operator delete(void* p) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete[](void* p) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete(void* p, size_t) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete[](void* p, size_t) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete(void* p, std::align_val_t) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete[](void* p, std::align_val_t) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Free(p, LOCKDEP_PRELOAD_RA); }
