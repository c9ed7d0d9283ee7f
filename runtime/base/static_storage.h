// Whether an address lies in a loaded object's static storage (.data/.bss),
// the only place an unregistered lock_class_key may live.
#ifndef LOCKDEP_RUNTIME_STATIC_STORAGE_H_
#define LOCKDEP_RUNTIME_STATIC_STORAGE_H_

namespace lockdep {

// True when `addr` is inside a writable PT_LOAD segment of the executable or a
// loaded shared object. Cost: a walk of the loaded objects (slow path only).
bool IsStaticAddress(const void* addr);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_STATIC_STORAGE_H_
