// Two locks of one class held together, judged per instance (the default
// under the preload library; LOCKDEP_OPTIONS same_class=class restores
// lockdep's class rule). An unmodified program cannot annotate nesting:
// `sort --parallel=2` locks a merge-tree node's parent while holding the
// node, every node from one pthread_mutex_init site, always child then
// parent. By lockdep's rule that is recursive locking; by the program's, an
// order. So the validator is told (lockdep_set_same_class_filter) to leave
// such pairs to this file, which keeps an order graph over the instances
// and reports a cycle of any length among them (two instances taken in
// both orders; the five forks of the dining philosophers, all from one init
// site) as a circular dependency. One instance taken twice is still the
// validator's recursive-locking report. Orders between *different* classes
// stay the validator's: a cycle through another class is a cycle of
// classes, so no real deadlock goes unreported.
//
// Limits: kMaxInstanceOrders orders are kept (an instance's are forgotten
// when it is destroyed or freed); past that, a new pair is judged by the
// class rule (reported as recursive locking), never silently passed.
#ifndef LOCKDEP_INSTRUMENT_PRELOAD_INSTANCE_ORDER_H_
#define LOCKDEP_INSTRUMENT_PRELOAD_INSTANCE_ORDER_H_

#include <cstddef>
#include <cstdint>

#include "instrument/preload/lock_table.h"

namespace lockdep::preload {

inline constexpr size_t kMaxInstanceOrders = 65536;

// Installs the validator's filter when the option asks for instances (the
// default). Called once, from the library's constructor.
void InstallInstanceOrder();

// Before a blocking acquire of `e` (read as lock_acquire's `read`) from
// `ra`: records the order from each held lock of its class and reports a
// cycle it closes. Cost: a scan of this thread's held locks; a lookup under
// one lock when a lock of the class is held; a stack capture and a graph
// search the first time a pair is seen.
void CheckInstanceOrder(LockEntry* e, int read, uintptr_t ra);

// The calling thread took (`trylock`: by a trylock) or released `e`.
// Cost: a few thread-local stores.
void NoteAcquired(LockEntry* e, int read);
void NoteReleased(const LockEntry* e);

// `e` is destroyed, freed or set up again: its orders are forgotten.
// Cost: one flag load unless it has orders.
void ForgetInstance(LockEntry* e);

// Fork: the graph's lock is held across fork() (see lifecycle.cc).
void InstanceOrderForkPrepare();
void InstanceOrderForkDone();

}  // namespace lockdep::preload

#endif  // LOCKDEP_INSTRUMENT_PRELOAD_INSTANCE_ORDER_H_
