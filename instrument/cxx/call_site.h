// The user's call site of a lock operation. A lockdep::Mutex records the
// return address of lock() as the "at:" of the held lock; when lock() is
// called by standard-library code that was not inlined (std::lock_guard in an
// unoptimised build, std::lock, std::scoped_lock), that address is a line of
// <mutex>, which tells the reader nothing. This finds the first caller in
// the user's code instead.
#ifndef LOCKDEP_INSTRUMENT_CXX_CALL_SITE_H_
#define LOCKDEP_INSTRUMENT_CXX_CALL_SITE_H_

#include <cstdint>

namespace lockdep::internal {

// `ra` itself when it is in the user's code (or in inlined code the user's
// code contains), else the return address of the first frame above it that
// is. `frame` is __builtin_frame_address(0) of the lock function that `ra`
// returns from. Cost: a lock-free lookup in a fixed table when `ra` is the
// user's and was seen before (the common case, and every case in an optimised
// build, where the standard guards are inlined). When `ra` is the standard
// library's: the first call through a path does a full unwind (microseconds)
// and remembers the answer with the stack slots that prove it; later calls
// through that path cost two frame-pointer loads, one lookup and a load per
// frame between ra and the user's (one for a guard called by the user), plus
// a walk of the saved frame pointers with a lookup per frame when the first
// saved return address above ra is the standard library's too (a guard
// called by another std helper, as std::scoped_lock's). Paths the table
// cannot hold (full, more than 6 frames up to the user's, or not on x86-64,
// where a return address need not be just below its caller's stack
// pointer) are unwound every time. The first sight of an address symbolises it (takes the
// symbolizer's lock; the first in a process reads the program's debug
// information). Never allocates on the common path. With LOCKDEP_OPTIONS
// internal_frames=1, returns `ra` unchanged.
uintptr_t UserCallSite(uintptr_t ra, const void* frame);

// Up to `max` return addresses from the saved frame pointers, starting with
// the one of the function whose frame is `frame` (__builtin_frame_address(0)).
// Reads only inside this thread's stack: code without frame pointers gives
// wrong addresses, never a fault. No allocation. For when the unwinder
// cannot step through a frame.
int FramePointerStack(const void* frame, uintptr_t* pcs, int max);

// Counts since the process started, for tests and benchmarks: full unwinds
// UserCallSite did, and how many of them found the frame-pointer guess wrong
// or had none. Relaxed loads.
struct CallSiteStats {
  uint64_t unwinds = 0;
  uint64_t wrong_guesses = 0;
};
CallSiteStats CallSiteStatsForTest();

// For the lock functions of instrument/cxx: the user's call site of the
// calling (out-of-line, never inlined) function.
#define LOCKDEP_USER_IP()                          \
  ::lockdep::internal::UserCallSite(LOCKDEP_RET_IP, \
                                    __builtin_frame_address(0))

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_CXX_CALL_SITE_H_
