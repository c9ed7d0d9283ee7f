// The text of the interrupt-context reports (runtime/graph/irq_checks.cc and
// irq_context.cc detect) and of WARN_ON/BUG_ON in core/. As lock_reports.h:
// each renders a record and emits; de-duplication is the caller's.
#ifndef LOCKDEP_RUNTIME_REPORTS_IRQ_REPORTS_H_
#define LOCKDEP_RUNTIME_REPORTS_IRQ_REPORTS_H_

#include "runtime/reports/findings.h"

namespace lockdep {

// "inconsistent lock state"
void ReportInconsistent(const InconsistentFinding& f);
// "possible irq lock inversion dependency detected"
void ReportIrqInversion(const IrqInversionFinding& f);
// "<STATE>-safe -> <STATE>-unsafe lock order detected"
void ReportSafeToUnsafe(const SafeToUnsafeFinding& f);
// "sleeping function called from invalid context"
void ReportSleepInAtomic(const SleepInAtomicFinding& f);
// "lockdep_assert_irqs_enabled failed" / "..._disabled failed"
void ReportIrqAssert(const IrqAssertFinding& f);
// "WARNING: CPU: ..." (WARN_ON) or "BUG: kernel BUG at ..." (BUG_ON)
void ReportKernelWarning(const KernelWarningFinding& f);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORTS_IRQ_REPORTS_H_
