// The text of each report the lock hooks make (runtime/graph/validator.cc
// detects, fills a record of findings.h, and calls one of these). Each
// renders in the kernel's layout and emits (EmitReport); de-duplication is
// the caller's (FirstReportOf), done before a record is built.
#ifndef LOCKDEP_RUNTIME_REPORTS_LOCK_REPORTS_H_
#define LOCKDEP_RUNTIME_REPORTS_LOCK_REPORTS_H_

#include "runtime/report.h"
#include "runtime/reports/findings.h"

namespace lockdep {

// "possible circular locking dependency detected"
void ReportCircular(const CircularFinding& f);
// "possible recursive locking detected"
void ReportRecursive(const RecursiveFinding& f);
// "use of uninitialized or destroyed lock": a map never initialised or destroyed.
void ReportBadMap(const BadMapFinding& f);
// The same title: a key neither static nor registered.
void ReportUnregisteredKey(const UnregisteredKeyFinding& f);
// "bad unlock balance detected"
void ReportBadUnlock(const BadUnlockFinding& f);
// "held lock freed"
void ReportHeldLockFreed(const HeldLockFreedFinding& f);
// "nest_lock not held"
void ReportNestNotHeld(const NestNotHeldFinding& f);
// "lockdep chain key collision"
void ReportChainKeyCollision(const ChainKeyCollisionFinding& f);
// "lock held at thread exit" (and its kin: locks held where none may be).
void ReportLocksHeld(const LocksHeldFinding& f);
// A failed assertion (kind and title given: the asserts' titles vary).
void ReportAssertFailed(ReportKind kind, std::string title, const AssertFinding& f);
// A misuse a primitive found (lockdep_report_misuse): "WARNING: <phrase>".
void ReportMisuse(ReportKind kind, const char* phrase, const AssertFinding& f);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORTS_LOCK_REPORTS_H_
