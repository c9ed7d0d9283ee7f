// What lockdep::Mutex, SharedMutex and SpinLock share, written once: the
// validated acquire over a raw lock, and SetLockCmpFn()'s translation from
// the lockdep_map the validator passes back to the lock object around it.
// Internal; each public member function stays out of line (so its return
// address is the user's call site) and calls these inline bodies.
#ifndef LOCKDEP_INSTRUMENT_CXX_LOCK_BODY_H_
#define LOCKDEP_INSTRUMENT_CXX_LOCK_BODY_H_

#include <cstddef>

#include "instrument/lock_contended.h"
#include "runtime/lockdep.h"

namespace lockdep::internal {

// Tells the validator, then takes `raw` exclusively (LOCK_CONTENDED).
template <typename Raw>
inline void AcquireExclusive(Raw& raw, lockdep_map* map, unsigned subclass, unsigned long ip) {
  lock_acquire(map, subclass, 0, kLockdepWrite, 1, nullptr, ip);
  LockContended(map, ip, [&] { return raw.try_lock(); }, [&] { raw.lock(); });
}

// Installs `cmp`/`print` over Lock objects as the class's lock order. The
// map is Lock's member at kMapAt bytes, so the lock is found from the map.
template <typename Lock, size_t kMapAt>
void SetLockOrder(lockdep_map* map, int (*cmp)(const Lock&, const Lock&),
                  void (*print)(const Lock&)) {
  using Cmp = int (*)(const Lock&, const Lock&);
  using Print = void (*)(const Lock&);
  static constexpr auto lock_of = [](const lockdep_map* m) -> const Lock& {
    return *reinterpret_cast<const Lock*>(reinterpret_cast<const char*>(m) - kMapAt);
  };
  lockdep_lock_order order{};
  order.cmp = [](lockdep_any_fn user, const lockdep_map* a, const lockdep_map* b) {
    return reinterpret_cast<Cmp>(user)(lock_of(a), lock_of(b));
  };
  order.user_cmp = reinterpret_cast<lockdep_any_fn>(cmp);
  if (print != nullptr) {
    order.print = [](lockdep_any_fn user, const lockdep_map* m) {
      reinterpret_cast<Print>(user)(lock_of(m));
    };
    order.user_print = reinterpret_cast<lockdep_any_fn>(print);
  }
  lockdep_set_lock_order(map, order);
}

}  // namespace lockdep::internal

#endif  // LOCKDEP_INSTRUMENT_CXX_LOCK_BODY_H_
