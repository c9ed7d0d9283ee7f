// Which kind of report a title line is, from the phrase every title contains
// (the runtime's report table): how the tour reads a child's real output.
#ifndef LOCKDEP_EXAMPLES_REPORT_TITLES_H_
#define LOCKDEP_EXAMPLES_REPORT_TITLES_H_

#include <optional>
#include <string>

#include "runtime/report.h"

namespace examples {

// True for a report's title line: only titles begin "WARNING: " or "BUG: ".
bool IsReportTitle(const std::string& line);
// The kind of a title line; nullopt for a title no kind's phrase matches.
std::optional<lockdep::ReportKind> KindOfTitle(const std::string& title);
// The phrase a title of `kind` contains (a fragment for some kinds: " PID: ").
const char* TitlePhrase(lockdep::ReportKind kind);
// The kind as a person reads it in a summary: its phrase, or for the kinds
// whose phrase is only a fragment of the title, words that say what it is.
std::string KindLabel(lockdep::ReportKind kind);

}  // namespace examples

#endif  // LOCKDEP_EXAMPLES_REPORT_TITLES_H_
