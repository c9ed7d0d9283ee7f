// identity_probe: an unnamed lock made at line 4 of p2/lk.cc.
#include "instrument/cxx.h"

lockdep::Mutex* Make_p2() { return new lockdep::Mutex(); }
