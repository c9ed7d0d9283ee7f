// Reference counts as the kernel's <linux/kref.h>. The count is atomic: gets
// and puts may race from any thread. The put that drops the last reference
// runs `release`, and the acquire/release ordering of the count makes every
// write made under a reference visible to it.
#ifndef LOCKDEP_CORE_KREF_H_
#define LOCKDEP_CORE_KREF_H_

#include <atomic>

struct kref {
  std::atomic<unsigned int> refcount{0};
};

// The count starts at 1: the creator's reference.
inline void kref_init(struct kref* kref) {
  kref->refcount.store(1, std::memory_order_relaxed);
}

inline unsigned int kref_read(const struct kref* kref) {
  return kref->refcount.load(std::memory_order_relaxed);
}

// Takes another reference; the caller must already hold one.
inline void kref_get(struct kref* kref) {
  kref->refcount.fetch_add(1, std::memory_order_relaxed);
}

// Drops a reference; on the last one calls release(kref) and returns 1.
inline int kref_put(struct kref* kref, void (*release)(struct kref* kref)) {
  if (kref->refcount.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    release(kref);
    return 1;
  }
  return 0;
}

#endif  // LOCKDEP_CORE_KREF_H_
