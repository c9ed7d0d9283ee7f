// The deadlock watchdog of confirmation runs: a thread that looks at the
// wait table (wait_table.h) every kWatchPeriodMs and, when some threads each
// wait for a lock another of them holds, and none of them has moved for
// kDeadlockAfterMs, prints a `deadlock confirmed` report and ends the
// process with kDeadlockConfirmedExit (confirm.h) instead of letting it hang.
//
// It sees only the locks the runtime tracks, and only threads that took a
// lock since confirmation was on. A lock that times out (a timed lock with a
// timeout longer than kDeadlockAfterMs) is a deadlock until it does. A fork
// child gets its own watchdog at its first lock.
#ifndef LOCKDEP_RUNTIME_DEADLOCK_WATCHDOG_H_
#define LOCKDEP_RUNTIME_DEADLOCK_WATCHDOG_H_

namespace lockdep {

inline constexpr int kWatchPeriodMs = 50;
inline constexpr int kDeadlockAfterMs = 500;

// Starts the watchdog thread the first time it is called. Cost after that:
// one relaxed load.
void StartWatchdogOnce();
// In a fork child, where the watchdog thread does not exist: the next
// StartWatchdogOnce() starts one.
void ResetWatchdogInForkChild();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_DEADLOCK_WATCHDOG_H_
