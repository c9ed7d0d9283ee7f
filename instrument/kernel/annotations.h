// Lockdep annotations of the kernel-style API: the Linux include/linux/lockdep.h
// macros, over the hooks of runtime/lockdep.h.
//
// The `l` of these macros is any lock object pointer: spinlock_t*, rwlock_t*,
// struct mutex*, struct rw_semaphore* or struct lockdep_map* itself. Each lock
// type adds one lockdep_map_of() overload next to its definition, so one macro
// serves every lock type. The asserts and might_lock record the address of the
// macro's own call site (LOCKDEP_THIS_IP), as Linux's _THIS_IP_ does.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_ANNOTATIONS_H_
#define LOCKDEP_INSTRUMENT_KERNEL_ANNOTATIONS_H_

#include <type_traits>

#include "runtime/lockdep.h"
#include "runtime/lockdep_map.h"

// For one level of nesting of a lock class (spin_lock_nested(&b->lock,
// SINGLE_DEPTH_NESTING) while holding a->lock of the same class), as in Linux.
#define SINGLE_DEPTH_NESTING 1

// The map of a lock object; for a lockdep_map, the map itself.
inline lockdep_map* lockdep_map_of(lockdep_map* map) { return map; }
inline const lockdep_map* lockdep_map_of(const lockdep_map* map) { return map; }

namespace lockdep::kernel_internal {

// check argument for an acquire of `map`: 0 once lockdep_set_novalidate_class()
// opted it out (it is still tracked as held, so asserts keep working, but adds
// no dependencies), 1 otherwise. Every primitive and annotation acquires
// through Acquire() below, so this rule lives in one place.
inline int CheckFor(const lockdep_map* map) { return map->novalidate ? 0 : 1; }

// lock_acquire() with `check` derived from the map. Cost: the hook's.
inline void Acquire(lockdep_map* map, unsigned int subclass, int trylock,
                    int read, lockdep_map* nest_lock, unsigned long ip) {
  lock_acquire(map, subclass, trylock, read, CheckFor(map), nest_lock, ip);
}

// might_lock*(): the dependency of taking the lock here, without taking it.
inline void MightLock(lockdep_map* map, unsigned int subclass, int read,
                      unsigned long ip) {
  Acquire(map, subclass, /*trylock=*/0, read, /*nest_lock=*/nullptr, ip);
  lock_release(map, ip);
}

// lockdep_set_class*(): a new class for the lock, which stays the kind of
// lock it is: the spinning flag (what might_sleep() checks) is kept.
inline void SetClass(lockdep_map* map, const char* name, lock_class_key* key,
                     int subclass) {
  lockdep_init_map_wait(map, name, key, subclass, map->spinning);
}

// lockdep_set_novalidate_class(): Linux's lockdep_set_class_and_name(l,
// &__lockdep_no_validate__, name), which is what makes acquires check=0.
inline void SetNovalidateClass(lockdep_map* map) {
  SetClass(map, map->name, &lockdep_no_validate_key, 0);
  map->novalidate = 1;
}

// lockdep_set_subclass(): same name and key, new default subclass.
inline void SetSubclass(lockdep_map* map, unsigned int subclass) {
  SetClass(map, map->name, map->key, static_cast<int>(subclass));
}

// lockdep_set_lock_cmp_fn(): Linux's function types, called as they are.
inline void SetLockCmpFn(lockdep_map* map, lock_cmp_fn cmp_fn,
                         lock_print_fn print_fn) {
  lockdep_lock_order order{};
  order.cmp = [](lockdep_any_fn cmp, const lockdep_map* a, const lockdep_map* b) {
    return reinterpret_cast<lock_cmp_fn>(cmp)(a, b);
  };
  order.user_cmp = reinterpret_cast<lockdep_any_fn>(cmp_fn);
  if (print_fn != nullptr) {
    order.print = [](lockdep_any_fn print, const lockdep_map* map) {
      reinterpret_cast<lock_print_fn>(print)(map);
    };
    order.user_print = reinterpret_cast<lockdep_any_fn>(print_fn);
  }
  lockdep_set_lock_order(map, order);
}

}  // namespace lockdep::kernel_internal

// Compile-time check that the `flags` of the *_irqsave macros is an unsigned
// long lvalue, as Linux's typecheck(unsigned long, flags).
#define LOCKDEP_KERNEL_TYPECHECK_FLAGS(flags)                                \
  static_assert(                                                             \
      std::is_same_v<std::remove_reference_t<decltype(flags)>, unsigned long>, \
      "flags must be an unsigned long")

// ---------------------------------------------------------------------------
// Classes. lock_class_key, lockdep_map, lockdep_init_map(), lockdep_register_key()
// and lockdep_unregister_key() come from runtime/lockdep.h and lockdep_map.h.

// Puts `l` in the class of `key`, named "key" as written (&my_key), subclass 0.
// A spinlock or rwlock stays a spinning lock.
#define lockdep_set_class(l, key) \
  ::lockdep::kernel_internal::SetClass(::lockdep_map_of(l), #key, (key), 0)
// As lockdep_set_class, with the given class name.
#define lockdep_set_class_and_name(l, key, name) \
  ::lockdep::kernel_internal::SetClass(::lockdep_map_of(l), (name), (key), 0)
// Keeps the class (name and key); plain acquires of `l` then use subclass `sub`.
#define lockdep_set_subclass(l, sub) \
  ::lockdep::kernel_internal::SetSubclass(::lockdep_map_of(l), (sub))
// Linux 6.4: an order among the locks of l's class. cmp_fn(a, b) < 0 when
// `a` may be held while taking `b` (say, the account with the lower id
// first); two locks of the class held together against it are still
// "possible recursive locking detected", and the report says what cmp_fn
// returned and, through print_fn (may be NULL; it writes to stderr), which
// locks they are. Both run under the validator's lock: they must not lock.
#define lockdep_set_lock_cmp_fn(l, cmp_fn, print_fn) \
  ::lockdep::kernel_internal::SetLockCmpFn(::lockdep_map_of(l), (cmp_fn), (print_fn))
// `l` moves to the one no-validate class (lockdep_no_validate_key), keeping
// its name: still tracked as held, never validated for lock order (check=0).
#define lockdep_set_novalidate_class(l) \
  ::lockdep::kernel_internal::SetNovalidateClass(::lockdep_map_of(l))

// ---------------------------------------------------------------------------
// Raw acquire/release of a map, for things that behave like locks without being
// one (a "lock" around waiting for an event, as dma-fence signalling does).
// The argument is a lockdep_map* (any lock object works too).

// As a write lock: dependencies are added and checked.
#define lock_map_acquire(m)                                              \
  ::lockdep::kernel_internal::Acquire(::lockdep_map_of(m), 0, 0,         \
                                      kLockdepWrite, nullptr, LOCKDEP_THIS_IP)
// As a recursive read lock (read=2), as Linux.
#define lock_map_acquire_read(m)                                         \
  ::lockdep::kernel_internal::Acquire(::lockdep_map_of(m), 0, 0,         \
                                      kLockdepReadRecursive, nullptr,    \
                                      LOCKDEP_THIS_IP)
// As a successful trylock (write / recursive read): no dependency on held locks.
#define lock_map_acquire_try(m)                                          \
  ::lockdep::kernel_internal::Acquire(::lockdep_map_of(m), 0, 1,         \
                                      kLockdepWrite, nullptr, LOCKDEP_THIS_IP)
#define lock_map_acquire_tryread(m)                                      \
  ::lockdep::kernel_internal::Acquire(::lockdep_map_of(m), 0, 1,         \
                                      kLockdepReadRecursive, nullptr,    \
                                      LOCKDEP_THIS_IP)
#define lock_map_release(m) ::lock_release(::lockdep_map_of(m), LOCKDEP_THIS_IP)

// ---------------------------------------------------------------------------
// Held-lock queries and assertions. A failed assert reports (once per class)
// and the program goes on. While validation is off they always pass.
// Cost: a scan of this thread's held-lock stack.

// 1 when this thread holds `l` (in any mode); with _type, read: 0 write, 1 read.
#define lockdep_is_held(l) ::lock_is_held(::lockdep_map_of(l))
#define lockdep_is_held_type(l, r) ::lock_is_held_type(::lockdep_map_of(l), (r))

#define lockdep_assert_held(l)                                        \
  do {                                                                \
    ::lockdep_assert_held_hook(::lockdep_map_of(l), -1, #l,           \
                               LOCKDEP_THIS_IP);                      \
  } while (0)
// Linux warns only once per site; the validator already reports once per class.
#define lockdep_assert_held_once(l) lockdep_assert_held(l)
#define lockdep_assert_held_write(l)                                  \
  do {                                                                \
    ::lockdep_assert_held_hook(::lockdep_map_of(l), 0, #l,            \
                               LOCKDEP_THIS_IP);                      \
  } while (0)
#define lockdep_assert_held_read(l)                                   \
  do {                                                                \
    ::lockdep_assert_held_hook(::lockdep_map_of(l), 1, #l,            \
                               LOCKDEP_THIS_IP);                      \
  } while (0)
#define lockdep_assert_not_held(l)                                    \
  do {                                                                \
    ::lockdep_assert_not_held_hook(::lockdep_map_of(l), #l,           \
                                   LOCKDEP_THIS_IP);                  \
  } while (0)
// This thread holds no lock at all.
#define lockdep_assert_none_held_once()                               \
  do {                                                                \
    ::lockdep_assert_none_held_hook(LOCKDEP_THIS_IP);                 \
  } while (0)

// ---------------------------------------------------------------------------
// Dependencies without locking: "this code may take `l`", so the order is
// checked on every path, not only the rare one that really takes it. The same
// acquire + release Linux does; might_lock_nested() is a read acquire (read=1)
// exactly as in Linux.

#define might_lock(l)                                                     \
  ::lockdep::kernel_internal::MightLock(::lockdep_map_of(l), 0,           \
                                        kLockdepWrite, LOCKDEP_THIS_IP)
#define might_lock_read(l)                                                \
  ::lockdep::kernel_internal::MightLock(::lockdep_map_of(l), 0,           \
                                        kLockdepReadNonRecursive,         \
                                        LOCKDEP_THIS_IP)
#define might_lock_nested(l, sub)                                         \
  ::lockdep::kernel_internal::MightLock(::lockdep_map_of(l), (sub),       \
                                        kLockdepReadNonRecursive,         \
                                        LOCKDEP_THIS_IP)

// This code may sleep: reports "sleeping function called from invalid
// context" when a spinlock or rwlock is held, irqs or bottom halves are
// disabled, or in (simulated) hard or soft interrupt context. The sleeping
// primitives (mutex_lock*, down*, wait_for_completion*, msleep) call it
// themselves, before they could block.
#define might_sleep() \
  ::lockdep_might_sleep(__FILE__, __LINE__, LOCKDEP_THIS_IP)

// lockdep_off(), lockdep_on(), debug_check_no_locks_freed() and
// debug_check_no_locks_held() are functions of runtime/lockdep.h.

#endif  // LOCKDEP_INSTRUMENT_KERNEL_ANNOTATIONS_H_
