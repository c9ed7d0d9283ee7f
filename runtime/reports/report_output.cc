#include "runtime/reports/report_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "runtime/base/internal_mutex.h"
#include "runtime/base/options.h"
#include "runtime/reports/report_frames.h"
#include "runtime/reports/suppressions.h"

namespace lockdep {
namespace {

struct Outputs {
  InternalMutex mu;
  Suppressions suppressions ABSL_GUARDED_BY(mu);
  bool log_ok ABSL_GUARDED_BY(mu) = true;   // log_path's directory exists
  bool json_ok ABSL_GUARDED_BY(mu) = true;  // json_path's directory exists
  int log_fd ABSL_GUARDED_BY(mu) = -1;      // log_path.<pid>, opened at the first report
  pid_t log_pid ABSL_GUARDED_BY(mu) = 0;
  int json_fd ABSL_GUARDED_BY(mu) = -1;
  pid_t json_pid ABSL_GUARDED_BY(mu) = 0;
};

// Leaked: reports can come during exit, after static destructors.
Outputs& Out() {
  static Outputs* out = new Outputs;
  return *out;
}

std::atomic<uint64_t> suppressed{0};

void WriteAll(int fd, const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n <= 0) return;  // stderr closed or a full disk: the report still counts
    p += n;
    left -= size_t(n);
  }
}

bool DirectoryOf(const std::string& path, std::string* dir) {
  size_t slash = path.rfind('/');
  *dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  return access(dir->c_str(), W_OK | X_OK) == 0;
}

// The file for this process (a forked child opens its own). Out().mu held.
int OpenFor(const std::string& path, int* fd, pid_t* owner) {
  const pid_t pid = getpid();
  if (*fd >= 0 && *owner == pid) return *fd;
  if (*fd >= 0) close(*fd);  // the parent's, inherited over fork()
  *fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  *owner = pid;
  if (*fd < 0) {
    std::fprintf(stderr, "lockdep: cannot write %s; reports go to stderr\n", path.c_str());
  }
  return *fd;
}

// Without a "%p", log_path gets ".<pid>" appended, as sanitizers' log_path
// does, so processes of one run never share a file.
std::string LogFile() {
  const std::string& path = GetOptions().log_path;
  if (absl::StrContains(path, "%p")) return ExpandPathOption(path);
  return absl::StrCat(path, ".", getpid());
}
std::string JsonFile() { return ExpandPathOption(GetOptions().json_path); }

void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      default:
        // Control bytes, and bytes past ASCII (names are not always UTF-8),
        // as \u00XX: the line stays valid JSON whatever the input.
        if (c < 0x20 || c >= 0x7f) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(char(c));
        }
    }
  }
  out->push_back('"');
}

}  // namespace

InternalMutex& ReportOutputMutex() { return Out().mu; }

void InitReportOutput() {
  const Options& o = GetOptions();
  Outputs& out = Out();
  InternalLock lock(out.mu);
  std::string dir;
  if (!o.log_path.empty() && !(out.log_ok = DirectoryOf(o.log_path, &dir))) {
    std::fprintf(stderr, "lockdep: log_path: directory %s does not exist or is not writable; "
                 "reports go to stderr\n", dir.c_str());
  }
  if (!o.json_path.empty() && !(out.json_ok = DirectoryOf(o.json_path, &dir))) {
    std::fprintf(stderr, "lockdep: json_path: directory %s does not exist or is not writable; "
                 "no JSON file is written\n", dir.c_str());
  }
  if (!o.suppressions.empty()) {
    std::ifstream in(o.suppressions);
    if (!in) {
      std::fprintf(stderr, "lockdep: suppressions: cannot read %s; nothing is suppressed\n",
                   o.suppressions.c_str());
      return;
    }
    std::stringstream text;
    text << in.rdbuf();
    for (const std::string& e : out.suppressions.Parse(text.str())) {
      std::fprintf(stderr, "lockdep: suppressions: %s: %s\n", o.suppressions.c_str(), e.c_str());
    }
  }
}

bool SuppressReport(const Report& report) {
  Outputs& out = Out();
  {
    InternalLock lock(out.mu);
    if (out.suppressions.empty() || !out.suppressions.Matches(report)) return false;
  }
  suppressed.fetch_add(1, std::memory_order_relaxed);
  return true;
}

uint64_t SuppressedReportCount() { return suppressed.load(std::memory_order_relaxed); }

void WriteReportStream(const std::string& text) {
  const Options& o = GetOptions();
  Outputs& out = Out();
  int fd = STDERR_FILENO;
  InternalLock lock(out.mu);
  if (!o.log_path.empty() && out.log_ok) {
    int log = OpenFor(LogFile(), &out.log_fd, &out.log_pid);
    if (log >= 0) fd = log;
  }
  WriteAll(fd, text);
}

void WriteReportJson(const Report& report) {
  const Options& o = GetOptions();
  if (!o.report_json() && o.json_path.empty()) return;
  const std::string line = ReportJson(report) + "\n";
  if (o.report_json()) WriteReportStream(line);
  if (!o.json_path.empty()) {
    Outputs& out = Out();
    InternalLock lock(out.mu);
    if (!out.json_ok) return;
    int fd = OpenFor(JsonFile(), &out.json_fd, &out.json_pid);
    if (fd >= 0) WriteAll(fd, line);
  }
}

namespace {

void AppendFrameJson(std::string* j, const ReportFrame& f) {
  *j += "{\"function\":";
  AppendJsonString(j, f.function);
  *j += ",\"file\":";
  AppendJsonString(j, f.file);
  absl::StrAppend(j, ",\"line\":", f.line, "}");
}

void AppendFramesJson(std::string* j, const std::vector<ReportFrame>& frames) {
  *j += '[';
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i) *j += ',';
    AppendFrameJson(j, frames[i]);
  }
  *j += ']';
}

// {"class":..., "at":{frame}}; "at" is null when the text names no site.
void AppendLockSiteJson(std::string* j, const ReportLockSite& site) {
  *j += "{\"class\":";
  AppendJsonString(j, site.lock_class);
  *j += ",\"at\":";
  if (site.at.function.empty()) {
    *j += "null";
  } else {
    AppendFrameJson(j, site.at);
  }
  *j += '}';
}

}  // namespace

std::string ReportJson(const Report& report) {
  std::string j = "{\"kind\":";
  AppendJsonString(&j, ReportKindName(report.kind));
  j += ",\"title\":";
  AppendJsonString(&j, report.title);
  j += ",\"classes\":[";
  for (size_t i = 0; i < report.classes.size(); ++i) {
    if (i) j += ',';
    AppendJsonString(&j, report.classes[i]);
  }
  absl::StrAppend(&j, "],\"pid\":", getpid(), ",\"tid\":", report.tid);
  const ReportSections sections = ParseReportSections(report.text);
  j += ",\"lock\":";
  if (sections.taking.empty()) {
    j += "null";
  } else {
    AppendLockSiteJson(&j, sections.taking[0]);
  }
  j += ",\"chain\":[";
  for (size_t i = 0; i < sections.chain.size(); ++i) {
    if (i) j += ',';
    j += "{\"class\":";
    AppendJsonString(&j, sections.chain[i].lock_class);
    j += ",\"stack\":";
    AppendFramesJson(&j, sections.chain[i].stack);
    j += '}';
  }
  j += "],\"held\":[";
  for (size_t i = 0; i < sections.held.size(); ++i) {
    if (i) j += ',';
    AppendLockSiteJson(&j, sections.held[i]);
  }
  j += "],\"backtrace\":";
  AppendFramesJson(&j, sections.backtrace);
  j += ",\"frames\":";
  AppendFramesJson(&j, ParseReportFrames(report.text));
  j += ",\"text\":";
  AppendJsonString(&j, report.text);
  j += "}";
  return j;
}

}  // namespace lockdep
