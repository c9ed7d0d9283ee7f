// Confirmation runs: steering the schedule into predicted cycles and
// watching for the deadlock that follows (LOCKDEP_OPTIONS confirm_cycles=,
// confirm_watchdog=1; docs/confirm.md).
//
// With confirm_cycles=GRAPH, a thread about to take class B while holding
// class A, where A -> B is a dependency of one of GRAPH's cycles, is held
// there (at most confirm_pause_ms, chosen by confirm_seed) until a thread
// stands at each other dependency of that cycle; then all go on together.
// The watchdog (deadlock_watchdog.h) turns the deadlock that may follow into
// a `deadlock confirmed` report and exit status kDeadlockConfirmedExit. At
// exit, each cycle not reproduced gets one line saying what was seen.
//
// Off (the default), the hooks cost one relaxed load each.
#ifndef LOCKDEP_RUNTIME_CONFIRM_H_
#define LOCKDEP_RUNTIME_CONFIRM_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/base/limits.h"
#include "runtime/lockdep_map.h"
#include "runtime/graph/thread_state.h"

namespace lockdep {

// The exit status of a process whose deadlock was confirmed.
inline constexpr int kDeadlockConfirmedExit = 67;

extern std::atomic<bool> g_confirm_on;
inline bool ConfirmOn() { return g_confirm_on.load(std::memory_order_relaxed); }

// Start-up (process_exit.cc): reads the confirm_* options, loads the target
// cycles and lists them on the report stream. Inside the validator.
void StartConfirmation();

// The end of lock_acquire(), after `map` was pushed and before the real lock
// is taken: may hold the thread (steering), then publishes what it holds and
// awaits (wait_table.h). Starts the watchdog on first use.
void ConfirmAfterAcquire(ThreadState& ts, lockdep_map* map, int trylock, int read,
                         unsigned long ip, uintptr_t hook_return);
// The end of lock_release(): publishes what the thread still holds.
void ConfirmAfterRelease(ThreadState& ts);

// fork_safety.cc, in a fork child: the child starts with nobody paused,
// an empty wait table and no watchdog (the next hook starts one).
void ConfirmForkChild();

// The exit summary's lines, one per target cycle not reproduced ("" when
// there are none).
std::string ConfirmSummary();

// For the watchdog's report: which target cycle (1-based) has exactly the
// classes in `classes`; 0 for none. The graph file and seed of the run.
int TargetCycleOf(const std::vector<ClassId>& classes);
std::string TargetCycleText(int cycle);
std::string ConfirmCyclesPath();
int ConfirmSeed();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_CONFIRM_H_
