// lockdep::Mutex: the hooks of runtime/lockdep.h around internal::RawMutex.
// Every function that records a call site is out of line and never inlined,
// so LOCKDEP_RET_IP is the caller (UserCallSite() then skips standard-library
// callers such as std::lock_guard). The bodies are exempt from the
// thread-safety analysis, which cannot see that the hooks track `this`.
#include "instrument/cxx.h"

#include <cstddef>

#include "instrument/cxx/call_site.h"
#include "instrument/cxx/class_registry.h"
#include "instrument/owner.h"
#include "runtime/lockdep.h"

namespace lockdep {
namespace {

// Linux's LOCK_CONTENDED: only an acquire that must wait is timed (lock_stat).
void LockRaw(internal::RawMutex& raw, lockdep_map* map, unsigned long ip) {
  if (raw.try_lock()) return;
  lock_contended(map, ip);
  raw.lock();
  lock_acquired(map, ip);
}

}  // namespace

// Out of line and never inlined: the return address is the constructing
// code's call instruction (the inline constructor keeps it from being a
// tail call), whose debug information says which member is built.
[[gnu::noinline]] void Mutex::InitUnnamed() {
  const internal::SiteClass c = internal::ClassForConstruction(
      reinterpret_cast<uintptr_t>(__builtin_return_address(0)),
      __builtin_frame_address(0),
      "lockdep::Mutex");
  lockdep_init_map(&map_, c.name, c.key, 0);
}

Mutex::Mutex(const char* name, LockSite site) {
  const internal::SiteClass c =
      internal::ClassForSite(site.file, site.line, name);
  lockdep_init_map(&map_, c.name, c.key, 0);
}

Mutex::Mutex(lock_class_key& key, const char* name) {
  lockdep_init_map(&map_, name, &key, 0);
}

Mutex::~Mutex() { lockdep_destroy_map(&map_, raw_.is_locked() ? 1 : 0); }

[[gnu::noinline]] void Mutex::lock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  lock_acquire(&map_, 0, 0, kLockdepWrite, 1, nullptr, ip);
  LockRaw(raw_, &map_, ip);
  owner_.store(internal::ThisOwnerId(), std::memory_order_relaxed);
}

[[gnu::noinline]] void Mutex::lock_nested(unsigned subclass)
    LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  lock_acquire(&map_, subclass, 0, kLockdepWrite, 1, nullptr, ip);
  LockRaw(raw_, &map_, ip);
  owner_.store(internal::ThisOwnerId(), std::memory_order_relaxed);
}

[[gnu::noinline]] bool Mutex::try_lock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  if (!raw_.try_lock()) return false;
  owner_.store(internal::ThisOwnerId(), std::memory_order_relaxed);
  lock_acquire(&map_, 0, 1, kLockdepWrite, 1, nullptr, ip);
  return true;
}

[[gnu::noinline]] void Mutex::unlock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  lock_release(&map_, ip);
  // Only the holder releases the real lock (see cxx.h).
  if (owner_.load(std::memory_order_relaxed) != internal::ThisOwnerId()) return;
  owner_.store(internal::kNoOwner, std::memory_order_relaxed);
  raw_.unlock();
}

[[gnu::noinline]] void Mutex::AssertHeld() const {
  const unsigned long ip = LOCKDEP_USER_IP();
  lockdep_assert_held_hook(&map_, -1, map_.name, ip);
}

[[gnu::noinline]] void Mutex::AssertNotHeld() const {
  const unsigned long ip = LOCKDEP_USER_IP();
  lockdep_assert_not_held_hook(&map_, map_.name, ip);
}

// The map is a member: the lock is at a fixed distance before it.
void Mutex::SetLockCmpFn(int (*cmp)(const Mutex&, const Mutex&),
                      void (*print)(const Mutex&)) {
  using Cmp = int (*)(const Mutex&, const Mutex&);
  using Print = void (*)(const Mutex&);
  static constexpr size_t kMapAt = offsetof(Mutex, map_);
  lockdep_lock_order order{};
  order.cmp = [](lockdep_any_fn user, const lockdep_map* a, const lockdep_map* b) {
    return reinterpret_cast<Cmp>(user)(*reinterpret_cast<const Mutex*>(reinterpret_cast<const char*>(a) - kMapAt), *reinterpret_cast<const Mutex*>(reinterpret_cast<const char*>(b) - kMapAt));
  };
  order.user_cmp = reinterpret_cast<lockdep_any_fn>(cmp);
  if (print != nullptr) {
    order.print = [](lockdep_any_fn user, const lockdep_map* map) {
      reinterpret_cast<Print>(user)(*reinterpret_cast<const Mutex*>(reinterpret_cast<const char*>(map) - kMapAt));
    };
    order.user_print = reinterpret_cast<lockdep_any_fn>(print);
  }
  lockdep_set_lock_order(&map_, order);
}

}  // namespace lockdep
