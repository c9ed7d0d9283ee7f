// lockdep::SharedMutex: the hooks of runtime/lockdep.h around
// internal::RawSharedMutex. Out of line and never inlined so LOCKDEP_RET_IP
// is the user's call site (see mutex.cc). Readers are non-recursive
// (kLockdepReadNonRecursive): the real lock blocks readers behind a waiting
// writer, so a reader re-taking the lock can deadlock.
#include "instrument/cxx.h"

#include <cstddef>

#include "instrument/cxx/call_site.h"
#include "instrument/cxx/class_registry.h"
#include "instrument/cxx/lock_body.h"
#include "runtime/lockdep.h"

namespace lockdep {

// Out of line and never inlined: the return address is the constructing
// code's call instruction, which is what tells members apart.
[[gnu::noinline]] void SharedMutex::InitUnnamed() {
  const internal::SiteClass c = internal::ClassForConstruction(
      reinterpret_cast<uintptr_t>(__builtin_return_address(0)),
      __builtin_frame_address(0),
      "lockdep::SharedMutex");
  lockdep_init_map(&map_, c.name, c.key, 0);
}

SharedMutex::SharedMutex(const char* name, LockSite site) {
  const internal::SiteClass c =
      internal::ClassForSite(site.file, site.line, name);
  lockdep_init_map(&map_, c.name, c.key, 0);
}

SharedMutex::SharedMutex(lock_class_key& key, const char* name) {
  lockdep_init_map(&map_, name, &key, 0);
}

SharedMutex::~SharedMutex() {
  lockdep_destroy_map(&map_, raw_.is_locked() ? 1 : 0);
}

[[gnu::noinline]] void SharedMutex::lock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  internal::AcquireExclusive(raw_, &map_, 0, ip);
}

[[gnu::noinline]] void SharedMutex::lock_nested(unsigned subclass)
    LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  internal::AcquireExclusive(raw_, &map_, subclass, ip);
}

[[gnu::noinline]] bool SharedMutex::try_lock()
    LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  if (!raw_.try_lock()) return false;
  lock_acquire(&map_, 0, 1, kLockdepWrite, 1, nullptr, ip);
  return true;
}

// Only a holder in that mode releases the real lock (see cxx.h).
[[gnu::noinline]] void SharedMutex::unlock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  const bool held = lock_is_held_type(&map_, 0) != 0;
  lock_release(&map_, ip);
  if (held) raw_.unlock();
}

[[gnu::noinline]] void SharedMutex::lock_shared()
    LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  lock_acquire(&map_, 0, 0, kLockdepReadNonRecursive, 1, nullptr, ip);
  internal::LockContended(&map_, ip, [&] { return raw_.try_lock_shared(); },
                          [&] { raw_.lock_shared(); });
}

[[gnu::noinline]] bool SharedMutex::try_lock_shared()
    LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  if (!raw_.try_lock_shared()) return false;
  lock_acquire(&map_, 0, 1, kLockdepReadNonRecursive, 1, nullptr,
               ip);
  return true;
}

[[gnu::noinline]] void SharedMutex::unlock_shared()
    LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
  const unsigned long ip = LOCKDEP_USER_IP();
  const bool held = lock_is_held_type(&map_, 1) != 0;
  lock_release(&map_, ip);
  if (held) raw_.unlock_shared();
}

[[gnu::noinline]] void SharedMutex::AssertHeld() const {
  const unsigned long ip = LOCKDEP_USER_IP();
  lockdep_assert_held_hook(&map_, 0, map_.name, ip);
}

[[gnu::noinline]] void SharedMutex::AssertReaderHeld() const {
  const unsigned long ip = LOCKDEP_USER_IP();
  lockdep_assert_held_hook(&map_, -1, map_.name, ip);
}

[[gnu::noinline]] void SharedMutex::AssertNotHeld() const {
  const unsigned long ip = LOCKDEP_USER_IP();
  lockdep_assert_not_held_hook(&map_, map_.name, ip);
}

void SharedMutex::SetLockCmpFn(int (*cmp)(const SharedMutex&, const SharedMutex&),
                               void (*print)(const SharedMutex&)) {
  internal::SetLockOrder<SharedMutex, offsetof(SharedMutex, map_)>(&map_, cmp, print);
}

}  // namespace lockdep
