#include "runtime/report_frames.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace lockdep {
namespace {

// "func+0x1c/0x40 (file.cc:123)", "func+0x1c", "func+0x1c (file.cc:1)".
bool ParseFrame(absl::string_view s, ReportFrame* out) {
  out->file.clear();
  out->line = 0;
  if (!s.empty() && s.back() == ')') {
    size_t open = s.rfind(" (");
    size_t colon = s.rfind(':');
    if (open != absl::string_view::npos && colon != absl::string_view::npos && colon > open) {
      int line = 0;
      if (absl::SimpleAtoi(s.substr(colon + 1, s.size() - colon - 2), &line)) {
        out->file = std::string(s.substr(open + 2, colon - open - 2));
        out->line = line;
        s = s.substr(0, open);
      }
    }
  }
  size_t plus = s.rfind("+0x");
  if (plus == absl::string_view::npos || plus == 0) return false;
  for (char c : s.substr(plus + 3)) {
    if (!absl::ascii_isxdigit(c) && c != '/' && c != 'x') return false;
  }
  out->function = std::string(s.substr(0, plus));
  return true;
}

}  // namespace

std::vector<ReportFrame> ParseReportFrames(absl::string_view text) {
  std::vector<ReportFrame> frames;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view candidate;
    if (size_t at = line.find(", at: "); at != absl::string_view::npos) {
      candidate = line.substr(at + 6);
    } else if (!line.empty() && line[0] == ' ') {
      candidate = absl::StripLeadingAsciiWhitespace(line);
    } else {
      continue;
    }
    ReportFrame f;
    if (ParseFrame(candidate, &f)) frames.push_back(std::move(f));
  }
  return frames;
}

}  // namespace lockdep
