// Turns the validator's state into the plain records reports render
// (runtime/reports/findings.h): names instead of class ids, stacks instead of
// trace ids. Report paths only (allocates).
#ifndef LOCKDEP_RUNTIME_GRAPH_FINDING_RECORDS_H_
#define LOCKDEP_RUNTIME_GRAPH_FINDING_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/graph/validator.h"
#include "runtime/reports/findings.h"

namespace lockdep {

// "name" or "name/2" for a class (subclass suffix as in Linux).
std::string ClassName(ClassId id);
// A map's own name, or "?" (for locks whose class is not known).
std::string MapName(const lockdep_map* map);

// The calling thread, "comm/tid".
std::string TaskName();

// A held (or wanted) lock as a report line shows it.
LockRecord LockRecordOf(const HeldLock& held);
// The thread: its name, held locks, and its stack from the hook's caller
// (whose return address is `hook_return`; no stack when it is 0).
TaskRecord TaskRecordOf(const ThreadState& ts, uintptr_t hook_return);

// Captures the current stack trimmed to start at the frame that called the
// hook (whose return address is `hook_return`). Returns the frame count.
int CaptureFromHook(uintptr_t hook_return, uintptr_t* pcs, int max);
// A stored trace; graph lock held.
std::vector<uintptr_t> StoredStack(uint32_t trace_id)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_GRAPH_FINDING_RECORDS_H_
