// WARN_ON() and BUG_ON() for the example subsystem's own sanity checks (bad
// arguments, broken invariants, broken rules of the API). Each evaluates to
// the condition, so `if (WARN_ON(!ops)) return -EINVAL;` reads as in the
// kernel, and a true condition is a lockdep report (lockdep_report_warn):
// "WARNING: CPU: N PID: N at file:line function" for WARN_ON, "BUG: kernel
// BUG at file:line!" for BUG_ON, once per call site. A report fails the test
// that caused it and changes the exit status, so a broken rule is never just
// a line on stderr.
//
// Unlike the kernel's BUG_ON, which stops the task, this one returns: the
// caller must refuse the operation (`if (BUG_ON(...)) return;`).
#ifndef LOCKDEP_CORE_BUG_H_
#define LOCKDEP_CORE_BUG_H_

#include "runtime/lockdep.h"

#define __CORE_REPORT_IF(bug, condition)                                   \
  ({                                                                       \
    const bool __warned = !!(condition);                                   \
    if (__builtin_expect(__warned, 0)) {                                   \
      lockdep_report_warn((bug), __FILE__, __LINE__, __func__, #condition, \
                          LOCKDEP_THIS_IP);                                \
    }                                                                      \
    __warned;                                                              \
  })

#define WARN_ON(condition) __CORE_REPORT_IF(0, condition)
#define BUG_ON(condition) __CORE_REPORT_IF(1, condition)

#endif  // LOCKDEP_CORE_BUG_H_
