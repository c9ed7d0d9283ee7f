// Where reports go (LOCKDEP_OPTIONS log_path, report_format, json_path,
// suppressions): the report stream is stderr, or the file log_path.<pid>
// (opened at the first report, so a clean run leaves no file; a forked child
// writes its own); with report_format=json each report is followed there by
// one JSON object on one line; json_path=PATH (%p = pid) writes those JSON
// lines to a file of their own. Report paths and start-up only.
#ifndef LOCKDEP_RUNTIME_REPORT_OUTPUT_H_
#define LOCKDEP_RUNTIME_REPORT_OUTPUT_H_

#include <cstdint>
#include <string>

#include "runtime/base/internal_mutex.h"
#include "runtime/report.h"

namespace lockdep {

// At start-up: loads the suppressions file and checks that the directories
// of log_path and json_path exist, printing one line to stderr per problem
// (the output then falls back to stderr / no JSON file).
void InitReportOutput();

// True when a suppression rule matches `report` (then counted).
bool SuppressReport(const Report& report);
uint64_t SuppressedReportCount();

// Writes `text` to the report stream, whole.
void WriteReportStream(const std::string& text);
// The report's JSON line, where report_format/json_path ask for one.
void WriteReportJson(const Report& report);

// One line of JSON for `report`: kind, title, classes, tid, pid, frames
// (function, file, line) and the text.
std::string ReportJson(const Report& report);

// The output files' lock, for the fork handlers (process/fork_safety.cc).
InternalMutex& ReportOutputMutex();

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORT_OUTPUT_H_
