#include "runtime/reports/suppressions.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/reports/report_frames.h"

namespace lockdep {
namespace {

// Glob with `*`, matching the whole of `text`.
bool Glob(absl::string_view p, absl::string_view t) {
  size_t pi = 0, ti = 0, star = absl::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != absl::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool IsLockOrderKind(ReportKind k) {
  return k == ReportKind::kCircularDependency || k == ReportKind::kRecursiveLocking ||
         k == ReportKind::kIrqSafeToUnsafe || k == ReportKind::kIrqInversion ||
         k == ReportKind::kInconsistentLockState;
}

}  // namespace

bool SuppressionPatternMatches(absl::string_view pattern, absl::string_view text) {
  std::string p;
  if (!absl::ConsumePrefix(&pattern, "^")) p += '*';
  const bool anchored_end = absl::ConsumeSuffix(&pattern, "$");
  absl::StrAppend(&p, pattern);
  if (!anchored_end) p += '*';
  return Glob(p, text);
}

std::vector<std::string> Suppressions::Parse(absl::string_view text) {
  std::vector<std::string> errors;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++n;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    absl::string_view type = colon == absl::string_view::npos ? line : line.substr(0, colon);
    absl::string_view pattern =
        colon == absl::string_view::npos ? absl::string_view() : line.substr(colon + 1);
    Rule rule;
    if (type == "deadlock") {
      rule.type = Type::kDeadlock;
    } else if (type == "class") {
      rule.type = Type::kClass;
    } else if (type == "function") {
      rule.type = Type::kFunction;
    } else if (type == "file") {
      rule.type = Type::kFile;
    } else {
      errors.push_back(absl::StrCat("line ", n, ": unknown type '", absl::CEscape(type),
                                    "' (want deadlock, class, function or file); ignored"));
      continue;
    }
    if (pattern.empty()) {
      errors.push_back(absl::StrCat("line ", n, ": empty pattern; ignored"));
      continue;
    }
    rule.pattern = std::string(pattern);
    rules_.push_back(std::move(rule));
  }
  return errors;
}

bool Suppressions::Matches(const Report& report) const {
  std::vector<ReportFrame> frames;
  bool frames_parsed = false;
  for (const Rule& rule : rules_) {
    switch (rule.type) {
      case Type::kDeadlock:
        if (!IsLockOrderKind(report.kind)) break;
        [[fallthrough]];
      case Type::kClass:
        for (const std::string& c : report.classes) {
          if (SuppressionPatternMatches(rule.pattern, c)) return true;
        }
        break;
      case Type::kFunction:
      case Type::kFile:
        if (!frames_parsed) {
          frames = ParseReportFrames(report.text);
          frames_parsed = true;
        }
        for (const ReportFrame& f : frames) {
          const std::string& field = rule.type == Type::kFunction ? f.function : f.file;
          if (!field.empty() && SuppressionPatternMatches(rule.pattern, field)) return true;
        }
        break;
    }
  }
  return false;
}

}  // namespace lockdep
