// The orders that programs define among the locks of one class
// (lockdep_set_lock_order in lockdep.h; Linux 6.4's lock_cmp_fn), read by
// the same-class check. Limits: kMaxLockOrders classes.
#ifndef LOCKDEP_RUNTIME_LOCK_ORDER_H_
#define LOCKDEP_RUNTIME_LOCK_ORDER_H_

#include <cstddef>
#include <string>

#include "runtime/graph/class_registry.h"
#include "runtime/lockdep.h"

namespace lockdep {

inline constexpr size_t kMaxLockOrders = 256;

// The order of the class whose subclass-0 key is `key`, or nullptr.
// Lock-free: a scan of the published entries. Slow paths only.
const lockdep_lock_order* LockOrderOf(ClassKey key);

// order.cmp(a, b): < 0 when `a` may be held while `b` is taken.
int CompareLocks(const lockdep_lock_order& order, const lockdep_map* a,
                 const lockdep_map* b);

// What order.print writes to stderr about `map`, captured (stderr is
// pointed at a memory file meanwhile, so another thread's stderr output in
// that instant lands there too), without its final newline; "" without a
// print function. Report paths only.
std::string DescribeLock(const lockdep_lock_order& order, const lockdep_map* map);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_LOCK_ORDER_H_
