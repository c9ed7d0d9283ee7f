#include "instrument/kernel/slab.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "instrument/kernel/reclaim.h"
#include "runtime/lockdep.h"

namespace {

// In front of every object: its size and whether it is live. 16 bytes, so
// the object keeps malloc()'s alignment.
struct alignas(16) Header {
  size_t size;
  uint32_t magic;
};
static_assert(sizeof(Header) == 16);

constexpr uint32_t kLive = 0x6b6d616c;   // "lamk"
constexpr uint32_t kFreed = 0x6b667265;  // "erfk"

struct Quarantined {
  Header* header;
  bool had_locks;  // lockdep_free_range() kept a record to forget
};

// Freed objects, oldest first, until the count or byte limit pushes them out.
// A fixed ring, so kfree() itself allocates nothing.
struct Quarantine {
  std::mutex mu;
  Quarantined ring[kKmallocQuarantineObjects];
  size_t head = 0;  // oldest
  size_t count = 0;
  size_t bytes = 0;
};

Quarantine& TheQuarantine() {
  // Never destroyed: objects may be freed during exit. Reachable from here,
  // so leak checkers do not count quarantined objects as leaks.
  static Quarantine* q = new Quarantine;
  return *q;
}

// Caller holds q.mu and q.count > 0.
Quarantined PopOldest(Quarantine& q) {
  const Quarantined oldest = q.ring[q.head];
  q.head = (q.head + 1) % kKmallocQuarantineObjects;
  --q.count;
  q.bytes -= oldest.header->size;
  return oldest;
}

void Release(const Quarantined& q) {
  if (q.had_locks) lockdep_forget_freed_range(q.header + 1);
  std::free(q.header);
}

Header* HeaderOf(const void* ptr) {
  return const_cast<Header*>(static_cast<const Header*>(ptr) - 1);
}

[[noreturn]] void Bug(const char* what, const void* ptr) {
  std::fprintf(stderr, "kernel BUG: kfree(%p): %s\n", ptr, what);
  std::abort();
}

void* Allocate(size_t size, gfp_t flags, unsigned long ip) {
  lockdep::kernel_internal::MightAlloc(flags, ip);
  if (size > SIZE_MAX - sizeof(Header)) return nullptr;
  auto* h = static_cast<Header*>((flags & __GFP_ZERO)
                                     ? std::calloc(1, sizeof(Header) + size)
                                     : std::malloc(sizeof(Header) + size));
  if (h == nullptr) return nullptr;
  h->size = size;
  h->magic = kLive;
  return h + 1;
}

}  // namespace

// Out of line and never inlined, so LOCKDEP_RET_IP is in the caller's code.
__attribute__((noinline)) void* kmalloc(size_t size, gfp_t flags) {
  return Allocate(size, flags, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void* kzalloc(size_t size, gfp_t flags) {
  return Allocate(size, flags | __GFP_ZERO, LOCKDEP_RET_IP);
}

size_t ksize(const void* ptr) { return ptr ? HeaderOf(ptr)->size : 0; }

__attribute__((noinline)) char* kstrdup(const char* s, gfp_t flags) {
  if (s == nullptr) return nullptr;
  const size_t n = std::strlen(s) + 1;
  auto* copy = static_cast<char*>(Allocate(n, flags, LOCKDEP_RET_IP));
  if (copy != nullptr) std::memcpy(copy, s, n);
  return copy;
}

void kmalloc_quarantine_usage(size_t* objects, size_t* bytes) {
  Quarantine& q = TheQuarantine();
  std::lock_guard<std::mutex> lock(q.mu);
  *objects = q.count;
  *bytes = q.bytes;
}

__attribute__((noinline)) void kfree(const void* ptr) {
  if (ptr == nullptr) return;
  Header* h = HeaderOf(ptr);
  if (h->magic == kFreed) Bug("double free", ptr);
  if (h->magic != kLive) Bug("not an object kmalloc() returned", ptr);
  const bool had_locks = lockdep_free_range(ptr, h->size, LOCKDEP_RET_IP) > 0;
  h->magic = kFreed;

  // Queue it, and push the oldest out while over a limit; what leaves is
  // freed outside the lock, a batch at a time.
  Quarantine& q = TheQuarantine();
  bool queued = false;
  for (;;) {
    Quarantined out[16];
    int n = 0;
    bool over;
    {
      std::lock_guard<std::mutex> lock(q.mu);
      if (!queued) {
        if (q.count == kKmallocQuarantineObjects) out[n++] = PopOldest(q);
        q.ring[(q.head + q.count) % kKmallocQuarantineObjects] = {h, had_locks};
        ++q.count;
        q.bytes += h->size;
        queued = true;
      }
      while (n < 16 && q.count > 0 && q.bytes > kKmallocQuarantineBytes) {
        out[n++] = PopOldest(q);
      }
      over = q.bytes > kKmallocQuarantineBytes;
    }
    for (int i = 0; i < n; ++i) Release(out[i]);
    if (!over) return;
  }
}
