#include "examples/report_titles.h"

namespace examples {

using lockdep::ReportKind;

bool IsReportTitle(const std::string& line) {
  return line.rfind("WARNING: ", 0) == 0 || line.rfind("BUG: ", 0) == 0;
}

std::optional<ReportKind> KindOfTitle(const std::string& title) {
  for (const lockdep::ReportKindInfo& k : lockdep::kReportKinds) {
    if (title.find(k.phrase) != std::string::npos) return k.kind;
  }
  return std::nullopt;
}

const char* TitlePhrase(ReportKind kind) {
  for (const lockdep::ReportKindInfo& k : lockdep::kReportKinds) {
    if (k.kind == kind) return k.phrase;
  }
  return "?";
}

std::string KindLabel(ReportKind kind) {
  switch (kind) {
    case ReportKind::kIrqSafeToUnsafe:
      return "irq-safe -> irq-unsafe lock order detected";
    case ReportKind::kIrqAssertFailed:
      return "lockdep_assert_irqs_* failed";
    case ReportKind::kWarnOn:
      return "WARNING (WARN_ON)";
    case ReportKind::kKernelBug:
      return "kernel BUG (BUG_ON)";
    case ReportKind::kLimitReached:
      return "a lockdep limit too low";
    default:
      return TitlePhrase(kind);
  }
}

}  // namespace examples
