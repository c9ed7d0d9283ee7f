#include "instrument/kernel/reclaim.h"

#include "instrument/kernel/annotations.h"
#include "runtime/lockdep.h"

lockdep_map __fs_reclaim_map = LOCKDEP_MAP_STATIC_INIT("fs_reclaim");

namespace {

// Linux's PF_MEMALLOC, per thread.
constexpr unsigned int kPfMemalloc = 0x800;
thread_local unsigned int current_flags = 0;

bool need_fs_reclaim(gfp_t gfp) {
  return gfpflags_allow_blocking(gfp) && !(current_flags & kPfMemalloc);
}

}  // namespace

// Out of line and never inlined, so LOCKDEP_RET_IP is the caller's code.
__attribute__((noinline)) void fs_reclaim_acquire(gfp_t gfp) {
  if (!need_fs_reclaim(gfp)) return;
  ::lockdep::kernel_internal::Acquire(&__fs_reclaim_map, 0, 0, kLockdepWrite,
                                      nullptr, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void fs_reclaim_release(gfp_t gfp) {
  if (!need_fs_reclaim(gfp)) return;
  lock_release(&__fs_reclaim_map, LOCKDEP_RET_IP);
}

void lockdep::kernel_internal::MightAlloc(gfp_t gfp, unsigned long ip) {
  if (need_fs_reclaim(gfp)) {
    Acquire(&__fs_reclaim_map, 0, 0, kLockdepWrite, nullptr, ip);
    lock_release(&__fs_reclaim_map, ip);
  }
  if (gfpflags_allow_blocking(gfp)) lockdep_might_sleep(__FILE__, __LINE__, ip);
}

__attribute__((noinline)) void might_alloc(gfp_t gfp) {
  ::lockdep::kernel_internal::MightAlloc(gfp, LOCKDEP_RET_IP);
}

unsigned int memalloc_noreclaim_save() {
  const unsigned int old = current_flags & kPfMemalloc;
  current_flags |= kPfMemalloc;
  return old;
}

void memalloc_noreclaim_restore(unsigned int flags) {
  current_flags = (current_flags & ~kPfMemalloc) | flags;
}
