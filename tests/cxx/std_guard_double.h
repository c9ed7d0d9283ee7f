// Stand-ins for a standard-library lock guard that was not inlined, for the
// tests and benchmarks of the user call site (instrument/cxx/call_site.h).
// Their line information names a libstdc++ header, so the symbolizer files
// them as the standard library's, as it does std::lock_guard's constructor in
// an unoptimised build. Each comes in two builds: with a frame pointer (as
// an unoptimised std::lock_guard) and without (as libstdc++.so's code, or
// code built with -fomit-frame-pointer), where the saved frame pointers skip
// the guard's caller and guess the user's call site wrong.
#ifndef LOCKDEP_INSTRUMENT_TESTS_STD_GUARD_DOUBLE_H_
#define LOCKDEP_INSTRUMENT_TESTS_STD_GUARD_DOUBLE_H_

#include <cstdint>

#include "instrument/cxx.h"

namespace lockdep_test {

// mu.lock(), called from a frame of "the standard library".
void LockLikeStdGuard(lockdep::Mutex& mu) LOCKDEP_ACQUIRE(mu);
void LockLikeStdGuardWithoutFramePointer(lockdep::Mutex& mu)
    LOCKDEP_ACQUIRE(mu);

// probe(), called likewise; returns what probe returns.
uintptr_t CallLikeStdGuard(uintptr_t (*probe)());
uintptr_t CallLikeStdGuardWithoutFramePointer(uintptr_t (*probe)());

}  // namespace lockdep_test

#endif  // LOCKDEP_INSTRUMENT_TESTS_STD_GUARD_DOUBLE_H_
