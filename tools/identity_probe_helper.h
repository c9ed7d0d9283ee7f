// For identity_probe: a static inline init helper, as Linux headers have.
// Each translation unit that includes it gets its own copy of the helper and
// so its own static key: two classes, with one name, line and symbol.
#ifndef LOCKDEP_TOOLS_IDENTITY_PROBE_HELPER_H_
#define LOCKDEP_TOOLS_IDENTITY_PROBE_HELPER_H_

#include "instrument/kernel.h"

static inline void probe_init_lock(struct mutex* lock) { mutex_init(lock); }

// identity_probe_other.cc's lock, initialised by its copy of the helper.
struct mutex* OtherUnitLock();

#endif  // LOCKDEP_TOOLS_IDENTITY_PROBE_HELPER_H_
