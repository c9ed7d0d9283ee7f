// lockdep::SpinLock: the hooks of runtime/lockdep.h around
// internal::RawSpinLock. Out of line and never inlined so LOCKDEP_RET_IP is
// the user's call site (see mutex.cc).
#include "instrument/cxx.h"
#include "instrument/cxx/call_site.h"
#include "instrument/cxx/class_registry.h"
#include "instrument/cxx/lock_body.h"
#include "instrument/owner.h"
#include "runtime/lockdep.h"

namespace lockdep {

// Out of line and never inlined: the return address is the constructing
// code's call instruction, which is what tells members apart.
[[gnu::noinline]] void SpinLock::InitUnnamed() {
  const internal::SiteClass c = internal::ClassForConstruction(
      reinterpret_cast<uintptr_t>(__builtin_return_address(0)),
      __builtin_frame_address(0),
      "lockdep::SpinLock");
  lockdep_init_map(&map_, c.name, c.key, 0);
}

SpinLock::SpinLock(const char* name, LockSite site) {
  const internal::SiteClass c =
      internal::ClassForSite(site.file, site.line, name);
  lockdep_init_map(&map_, c.name, c.key, 0);
}

SpinLock::SpinLock(lock_class_key& key, const char* name) {
  lockdep_init_map(&map_, name, &key, 0);
}

SpinLock::~SpinLock() { lockdep_destroy_map(&map_, raw_.is_locked() ? 1 : 0); }

[[gnu::noinline]] void SpinLock::lock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  internal::AcquireExclusive(raw_, &map_, 0, ip);
  owner_.store(internal::ThisOwnerId(), std::memory_order_relaxed);
}

[[gnu::noinline]] void SpinLock::lock_nested(unsigned subclass)
    LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  internal::AcquireExclusive(raw_, &map_, subclass, ip);
  owner_.store(internal::ThisOwnerId(), std::memory_order_relaxed);
}

[[gnu::noinline]] bool SpinLock::try_lock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  if (!raw_.try_lock()) return false;
  owner_.store(internal::ThisOwnerId(), std::memory_order_relaxed);
  lock_acquire(&map_, 0, 1, kLockdepWrite, 1, nullptr, ip);
  return true;
}

[[gnu::noinline]] void SpinLock::unlock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  lock_release(&map_, ip);
  // Only the holder releases the real lock (see cxx.h).
  if (owner_.load(std::memory_order_relaxed) != internal::ThisOwnerId()) return;
  owner_.store(internal::kNoOwner, std::memory_order_relaxed);
  raw_.unlock();
}

[[gnu::noinline]] void SpinLock::AssertHeld() const {
  const unsigned long ip = LOCKDEP_USER_IP();
  lockdep_assert_held_hook(&map_, -1, map_.name, ip);
}

[[gnu::noinline]] void SpinLock::AssertNotHeld() const {
  const unsigned long ip = LOCKDEP_USER_IP();
  lockdep_assert_not_held_hook(&map_, map_.name, ip);
}

}  // namespace lockdep
