// The two objects every instrumented lock embeds or points at: the class key and
// the per-lock map. Both are plain, constant-initialisable structs so locks can
// be globals, members, array elements and heap objects without constructors
// running in any particular order.
#ifndef LOCKDEP_RUNTIME_LOCKDEP_MAP_H_
#define LOCKDEP_RUNTIME_LOCKDEP_MAP_H_

#include <atomic>
#include <cstdint>

// Subclasses 0..7 per key, as Linux's MAX_LOCKDEP_SUBCLASSES.
inline constexpr unsigned kLockdepMaxSubclasses = 8;

// The identity of a lock class is the address of a lock_class_key (plus the
// subclass). A key must be static storage (a global or function-local static),
// or registered with lockdep_register_key() while it is in use. It is 8 bytes so
// that key address + subclass is unique per (key, subclass), as in Linux.
struct lock_class_key {
  char subkeys[kLockdepMaxSubclasses] = {};
};

// Magic values of lockdep_map::state. Anything else (zero, garbage) is a map
// that was never initialised.
inline constexpr uint32_t kLockdepMapLive = 0x10cdeb1e;
inline constexpr uint32_t kLockdepMapDestroyed = 0xdeadb10c;
// A DEFINE_* object: live, and its own address is its key (key == nullptr).
inline constexpr uint32_t kLockdepMapStatic = 0x57a71c00;

// Per-lock validator state. Written by lockdep_init_map() (and by
// lockdep_set_class*), read on every acquire.
struct lockdep_map {
  // The class key; nullptr for DEFINE_* objects, whose key is this map itself.
  lock_class_key* key = nullptr;
  // Class name as printed in reports ("&dev->lock", "my_mutex").
  const char* name = nullptr;
  // Default subclass used by plain acquires (lockdep_set_subclass()).
  uint8_t subclass = 0;
  // 1 when the map opts out of dependency checking (lockdep_set_novalidate_class).
  uint8_t novalidate = 0;
  // 1 for locks that spin (spinlock_t, rwlock_t): holding one makes the
  // thread atomic, so might_sleep() under it is a bug.
  uint8_t spinning = 0;
  std::atomic<uint32_t> state{0};
  // Resolved class index + 1 per subclass, 0 when not resolved yet. This cache is
  // what lets an acquire find its class without hashing the key.
  std::atomic<uint16_t> class_cache[kLockdepMaxSubclasses] = {};
};
static_assert(sizeof(lockdep_map) == 40, "keep every lock small");

// Initialisers for DEFINE_* globals: live, keyed by their own address.
#define LOCKDEP_MAP_STATIC_INIT(lockname) \
  { nullptr, lockname, 0, 0, 0, {kLockdepMapStatic}, {} }
#define LOCKDEP_MAP_STATIC_INIT_SPIN(lockname) \
  { nullptr, lockname, 0, 0, 1, {kLockdepMapStatic}, {} }

#endif  // LOCKDEP_RUNTIME_LOCKDEP_MAP_H_
