#include "runtime/reports/report_frames.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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

// The frame after ", at: " on a lock line, or the whole of an indented line.
bool FrameOfLine(absl::string_view line, ReportFrame* out) {
  if (size_t at = line.find(", at: "); at != absl::string_view::npos) {
    return ParseFrame(line.substr(at + 6), out);
  }
  if (line.empty() || line[0] != ' ') return false;
  return ParseFrame(absl::StripLeadingAsciiWhitespace(line), out);
}

// The class of a lock line: " #0: 0x7f.. (NAME){+.+.}, at: ..." or
// " 0x7f.. (NAME){...}, at: ...". NAME may itself hold parentheses
// ("Cache::mu (cache.h:27)"), so it ends at the last ")" before the usage
// braces or the ", at: ".
std::string ClassOfLockLine(absl::string_view line) {
  size_t open = line.find(" (");
  if (open == absl::string_view::npos) return "";
  size_t end = line.find("){", open);
  if (end == absl::string_view::npos) {
    size_t at = line.find(", at: ", open);
    end = line.rfind(')', at == absl::string_view::npos ? line.size() : at);
  }
  if (end == absl::string_view::npos || end <= open + 2) return "";
  return std::string(line.substr(open + 2, end - open - 2));
}

// "-> #1 (NAME):" (or "(NAME){..}:"), as ClassOfLockLine.
std::string ClassOfChainLine(absl::string_view line) {
  size_t open = line.find(" (");
  size_t end = line.rfind(')');
  if (open == absl::string_view::npos || end == absl::string_view::npos || end <= open + 2) {
    return "";
  }
  if (size_t brace = line.find("){", open); brace != absl::string_view::npos) end = brace;
  return std::string(line.substr(open + 2, end - open - 2));
}

bool IsHeldListHeader(absl::string_view line) {
  return absl::StrContains(line, " held by ") &&
         (absl::ascii_isdigit(line[0]) || absl::StartsWith(line, "no locks"));
}

}  // namespace

ReportSections ParseReportSections(absl::string_view text) {
  ReportSections out;
  enum { kNone, kTaking, kChain, kHeld, kBacktrace } mode = kNone;
  std::string taking_class;  // from "... lock (NAME) at:" headers
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty()) continue;
    if (line[0] != ' ') {
      // "... is trying to release lock (NAME) at:" puts the site on the next
      // line, unindented, as the kernel's print_ip_sym() does.
      ReportFrame site;
      if (mode == kTaking && out.taking.empty() && !taking_class.empty() &&
          ParseFrame(line, &site)) {
        out.taking.push_back({taking_class, std::move(site)});
        continue;
      }
      mode = kNone;
      if (absl::StrContains(line, " is trying to ") && absl::EndsWith(line, ":")) {
        mode = kTaking;
        taking_class = absl::EndsWith(line, ") at:") ? ClassOfLockLine(line) : "";
      } else if (absl::StartsWith(line, "-> #")) {
        mode = kChain;
        out.chain.push_back({ClassOfChainLine(line), {}});
      } else if (IsHeldListHeader(line)) {
        mode = kHeld;
      } else if (line == "stack backtrace:") {
        mode = kBacktrace;
      }
      continue;
    }
    ReportFrame f;
    const bool has_frame = FrameOfLine(line, &f);
    switch (mode) {
      case kTaking:
        if (out.taking.empty()) {
          out.taking.push_back({taking_class.empty() ? ClassOfLockLine(line) : taking_class,
                                has_frame ? f : ReportFrame{}});
        }
        break;
      case kChain:
        if (has_frame) out.chain.back().stack.push_back(std::move(f));
        break;
      case kHeld:
        if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "#")) {
          out.held.push_back({ClassOfLockLine(line), has_frame ? f : ReportFrame{}});
        }
        break;
      case kBacktrace:
        if (has_frame) out.backtrace.push_back(std::move(f));
        break;
      case kNone:
        break;
    }
  }
  return out;
}

std::vector<ReportFrame> ParseReportFrames(absl::string_view text) {
  std::vector<ReportFrame> frames;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ReportFrame f;
    if (FrameOfLine(line, &f)) frames.push_back(std::move(f));
  }
  return frames;
}

}  // namespace lockdep
