// Waits and events in the lock graph: the hooks for primitives that wait for
// something another context signals (completions, semaphores, condition
// variables, thread joins, fences).
//
// The model (docs/waits.md): an event has a class, as a lock has, from its
// initialisation site or key. Waiting for event class E while holding lock L
// adds the dependency L -> E. Signalling E adds E -> C for every class C the
// signalling context had to get first: the locks (held or released since)
// and events it took or waited for since its section began (thread start,
// its last wait, a work item or interrupt handler start) and since this
// event instance's current round began (its initialisation or its previous
// signal). When several signals of one class disagree, only the
// classes common to all of them stay (one signaller taking L does not make
// the event depend on L when another signals it without L). A cycle through
// an event is reported as "possible circular wait dependency detected".
//
// Every hook is safe from any thread at any time; none blocks. An object whose
// map was never initialised (all zero) is silently not tracked.
#ifndef LOCKDEP_RUNTIME_WAIT_EVENT_H_
#define LOCKDEP_RUNTIME_WAIT_EVENT_H_

#include <atomic>
#include <cstdint>

#include "runtime/lockdep_map.h"

// What kind of primitive an event is; reports name its wait and signal
// ("wait_for_completion(done)", "complete(done)").
enum lockdep_event_kind : uint8_t {
  kLockdepEventCompletion = 0,
  kLockdepEventSemaphore = 1,
  kLockdepEventCondition = 2,
  kLockdepEventThreadExit = 3,
  kLockdepEventFence = 4,
  kLockdepEventGeneric = 5,
};

// Values of lockdep_event::flags.
inline constexpr uint8_t kLockdepEventExcluded = 1;  // nothing tracked
inline constexpr uint8_t kLockdepEventExternal = 2;  // signalled from outside
inline constexpr uint8_t kLockdepEventTimeoutUnhandled = 4;  // timed waits count

// Per event instance: its class (a lockdep_map, so keys and names work as
// for locks) and the clock value at which its current round began.
struct lockdep_event {
  lockdep_map map;
  std::atomic<uint64_t> round{0};
  // The thread that signalled it last (an opaque per-thread address): its
  // own later wait for it is let through by that signal, and is no wait for
  // another context.
  std::atomic<uintptr_t> signaller{0};
  uint8_t kind = kLockdepEventGeneric;
  std::atomic<uint8_t> flags{0};
};

// A DECLARE_*-style global event: its own address is its key.
#define LOCKDEP_EVENT_STATIC_INIT(name, kind) \
  { LOCKDEP_MAP_STATIC_INIT(name), {0}, {0}, kind, {0} }

// Gives the event its class (`key` as for lockdep_init_map(): nullptr only
// for static storage) and starts a new round. Cost: a few stores.
void lockdep_event_init(lockdep_event* ev, const char* name,
                        lock_class_key* key, lockdep_event_kind kind);
// A new round for the instance (reinit_completion): what its signallers
// did before now no longer counts for its next signal. Cost: one atomic add.
void lockdep_event_rearm(lockdep_event* ev);

// This thread is about to wait for `ev`. `timed`: the wait has a timeout the
// caller handles, which is not a dependency unless LOCKDEP_OPTIONS has
// timed_waits=1 (see docs/waits.md). Also begins this thread's new section.
// Reports a circular wait the first time it closes a cycle. Cost: a chain
// cache lookup when this held-lock chain waited for this class before; the
// graph lock and a search otherwise.
void lockdep_event_wait(lockdep_event* ev, int timed, unsigned long ip);

// This thread signals `ev` (complete, up, notify, thread exit). Cost: a scan
// of this thread's last few acquisitions; the graph lock only when the
// event's class still depends on something.
void lockdep_event_signal(lockdep_event* ev, unsigned long ip);

// Annotations. Excluded: neither the waits nor the signals of this instance
// are tracked. External: it is signalled from outside the program's view (a
// timer, another process), so its signallers' locks are never its
// dependencies; waits for it still appear in the graph.
void lockdep_event_exclude(lockdep_event* ev);
void lockdep_event_set_external(lockdep_event* ev);
// Timeout unhandled: a timed wait for this instance counts as an endless one
// (its timeout is a failure path, such as a command declared lost, not a
// way the program goes on without the event).
void lockdep_event_set_timeout_unhandled(lockdep_event* ev);

// Acquisitions are remembered for signals from now on, before any event
// exists (lockdep_event_init() does it too): for runtimes that make events
// lazily, at their first wait or signal (the LD_PRELOAD library). Cost of
// each later acquisition: a few thread-local stores.
void lockdep_events_enable();

// A new section begins for the calling thread (a work item or an interrupt
// handler starts): what it took before no longer leads to its next signal.
// Cost: one atomic add.
void lockdep_event_section_start();

#endif  // LOCKDEP_RUNTIME_WAIT_EVENT_H_
