// Inside the wait/event tracking (wait_event.h has the hooks): what the
// validator's lock paths need to know about events.
//
// Limits: the last kRecentTakes acquisitions and waits per thread are what a
// signal can depend on (older ones are forgotten: fewer dependencies, never
// wrong ones); an event class keeps at most kMaxSignalDeps classes it depends
// on (more are dropped, again erring towards silence).
#ifndef LOCKDEP_RUNTIME_WAIT_GRAPH_H_
#define LOCKDEP_RUNTIME_WAIT_GRAPH_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "runtime/base/limits.h"
#include "runtime/graph/thread_state.h"
#include "runtime/graph/validator.h"

namespace lockdep {

inline constexpr int kRecentTakes = 32;
inline constexpr int kMaxSignalDeps = 15;

// Set once the program initialises its first event: until then, lock
// acquisitions record nothing for events (one relaxed load each).
extern std::atomic<bool> g_events_in_use;

// After lock_acquire() pushed `held` on this thread's stack: remembers the
// acquisition for this thread's next signal. Cost: a few thread-local stores
// and one relaxed load of the event clock.
void NoteAcquisition(const HeldLock& held);

// True when `id` is the class of an event (graph lock held, or the answer
// may be stale by one reset).
bool IsEventClass(ClassId id);

// For a new lock dependency from -> to whose cycle check found `path`:
// when the cycle passes through an event, reports it as a circular wait
// (unless a waiter broke it itself, wait_excuses.h) and returns true; false
// for a cycle of locks only (the caller's report). Graph lock held.
bool ReportIfCircularWait(ThreadState& ts, ClassId from, ClassId to,
                          const std::vector<uint32_t>& path, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);

// How reports write a wait for / a signal of event class `id`
// ("wait_for_completion", "complete").
const char* EventWaitVerb(ClassId id);
const char* EventSignalVerb(ClassId id);

// Reports a cycle through an event: the new dependency from -> to closes
// it, `path` (to -> ... -> from) is the existing way back. `doing` says what
// the task is doing now ("wait for", "signal", "acquire"). Graph lock held.
void FoundCircularWait(ThreadState& ts, ClassId from, ClassId to,
                        const std::vector<uint32_t>& path, const char* doing,
                        uintptr_t ra) ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_WAIT_GRAPH_H_
