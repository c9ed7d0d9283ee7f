// identity_probe: an unnamed lock made at line 4 of p1/lk.cc.
#include "instrument/cxx.h"

lockdep::Mutex* Make_p1() { return new lockdep::Mutex(); }
