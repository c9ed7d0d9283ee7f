#include "examples/report_titles.h"

namespace examples {
namespace {

using lockdep::ReportKind;

struct Phrase {
  ReportKind kind;
  const char* phrase;
};

// Longer phrases first where one contains another's start.
constexpr Phrase kPhrases[] = {
    {ReportKind::kCircularDependency,
     "possible circular locking dependency detected"},
    {ReportKind::kRecursiveLocking, "possible recursive locking detected"},
    {ReportKind::kInconsistentLockState, "inconsistent lock state"},
    {ReportKind::kIrqSafeToUnsafe, "-unsafe lock order detected"},
    {ReportKind::kIrqInversion,
     "possible irq lock inversion dependency detected"},
    {ReportKind::kBadUnlockBalance, "bad unlock balance detected"},
    {ReportKind::kHeldLockFreed, "held lock freed"},
    {ReportKind::kLockHeldAtExit, "lock held at thread exit"},
    {ReportKind::kUninitializedLock, "use of uninitialized or destroyed lock"},
    {ReportKind::kSleepInAtomic,
     "sleeping function called from invalid context"},
    {ReportKind::kAssertNotHeldFailed, "lockdep_assert_not_held failed"},
    {ReportKind::kAssertHeldFailed, "lockdep_assert_held failed"},
    {ReportKind::kWwMutexMisuse, "ww_mutex misuse"},
    {ReportKind::kNestLockNotHeld, "nest_lock not held"},
    {ReportKind::kIrqAssertFailed, "lockdep_assert_irqs_"},
    {ReportKind::kLimitReached, "too low!"},
    {ReportKind::kWarnOn, " PID: "},
    {ReportKind::kKernelBug, "kernel BUG at "},
};

}  // namespace

bool IsReportTitle(const std::string& line) {
  return line.rfind("WARNING: ", 0) == 0 || line.rfind("BUG: ", 0) == 0;
}

std::optional<ReportKind> KindOfTitle(const std::string& title) {
  for (const Phrase& p : kPhrases) {
    if (title.find(p.phrase) != std::string::npos) return p.kind;
  }
  return std::nullopt;
}

const char* TitlePhrase(ReportKind kind) {
  for (const Phrase& p : kPhrases) {
    if (p.kind == kind) return p.phrase;
  }
  return "?";
}

}  // namespace examples
