// WARN_ON() for the example subsystem's own sanity checks (bad arguments,
// broken invariants): prints one line and evaluates to the condition, so
// `if (WARN_ON(!ops)) return -EINVAL;` reads as in the kernel. Private to
// core/: it is not a lockdep report, so it never prints "WARNING: ".
#ifndef LOCKDEP_CORE_BUG_H_
#define LOCKDEP_CORE_BUG_H_

void __core_warn(const char* file, int line, const char* condition);

#define WARN_ON(condition)                                     \
  ({                                                           \
    const bool __warned = !!(condition);                       \
    if (__warned) __core_warn(__FILE__, __LINE__, #condition); \
    __warned;                                                  \
  })

#endif  // LOCKDEP_CORE_BUG_H_
