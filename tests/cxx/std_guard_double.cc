// Built twice (tests/cxx/BUILD): as is, and with
// -fomit-frame-pointer and STD_GUARD_DOUBLE_WITHOUT_FRAME_POINTER, which
// names the functions of that build. Sibling calls stay calls, so the double
// keeps its own frame in an optimised build too.
#include "tests/cxx/std_guard_double.h"

#if defined(STD_GUARD_DOUBLE_WITHOUT_FRAME_POINTER)
#define STD_GUARD_DOUBLE(name) name##WithoutFramePointer
#else
#define STD_GUARD_DOUBLE(name) name
#endif

// What the symbolizer reads as this code's file: a libstdc++ header.
#line 1 "/usr/include/c++/lockdep_test/std_guard_double.h"
namespace lockdep_test {

[[gnu::noinline]] void STD_GUARD_DOUBLE(LockLikeStdGuard)(lockdep::Mutex& mu) {
  mu.lock();
  asm volatile("" ::: "memory");
}

[[gnu::noinline]] uintptr_t STD_GUARD_DOUBLE(CallLikeStdGuard)(
    uintptr_t (*probe)()) {
  const uintptr_t result = probe();
  asm volatile("" ::: "memory");
  return result;
}

}  // namespace lockdep_test
