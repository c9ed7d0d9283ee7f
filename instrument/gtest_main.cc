// main() for GoogleTest binaries that use lockdep: a lockdep report made while
// the tests run fails the running test, unless a ScopedReportCapture expects
// it. See instrument/gtest.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "instrument/gtest.h"
#include "runtime/report.h"

namespace lockdep::testing {
namespace {

// The live captures, oldest first. Reports go to the newest. DeliverReport()
// adds to a capture while holding this lock, so a capture cannot be destroyed
// while a report is being added to it (lock order: this, then capture.mu_).
struct CaptureStack {
  std::mutex mu;
  std::vector<ScopedReportCapture*> captures;  // guarded by mu
};

// Leaked: reports can arrive from threads still running during exit.
CaptureStack& Captures() {
  static CaptureStack* stack = new CaptureStack;
  return *stack;
}

}  // namespace

ScopedReportCapture::ScopedReportCapture(Print print) : print_(print) {
  CaptureStack& stack = Captures();
  std::lock_guard<std::mutex> guard(stack.mu);
  stack.captures.push_back(this);
}

ScopedReportCapture::~ScopedReportCapture() {
  CaptureStack& stack = Captures();
  std::lock_guard<std::mutex> guard(stack.mu);
  // Not necessarily the newest: captures may end in any order.
  auto it = std::find(stack.captures.begin(), stack.captures.end(), this);
  if (it != stack.captures.end()) stack.captures.erase(it);
}

void ScopedReportCapture::Add(const Report& report) {
  std::lock_guard<std::mutex> guard(mu_);
  reports_.push_back(report);
}

std::vector<Report> ScopedReportCapture::reports() const {
  std::lock_guard<std::mutex> guard(mu_);
  return reports_;
}

bool ScopedReportCapture::Has(ReportKind kind) const {
  std::lock_guard<std::mutex> guard(mu_);
  return std::any_of(reports_.begin(), reports_.end(),
                     [kind](const Report& r) { return r.kind == kind; });
}

size_t ScopedReportCapture::count() const {
  std::lock_guard<std::mutex> guard(mu_);
  return reports_.size();
}

void DeliverReport(const Report& report) {
  {
    CaptureStack& stack = Captures();
    std::lock_guard<std::mutex> guard(stack.mu);
    if (!stack.captures.empty()) {
      stack.captures.back()->Add(report);
      return;
    }
  }
  // GoogleTest assertions are thread-safe where pthreads exist; a failure on
  // another thread is charged to the running test. The text itself was
  // printed already: the failure says what and where, not all of it again.
  std::string message = "lockdep: " + report.title;
  for (size_t i = 0; i < report.classes.size(); ++i) {
    message += (i == 0 ? " (classes: " : ", ") + report.classes[i];
  }
  if (!report.classes.empty()) message += ")";
  message += "; the report is printed above";
  if (!report.file.empty()) {
    ADD_FAILURE_AT(report.file.c_str(), report.line) << message;
    return;
  }
  // No line information in the program's frames (built without -g): charge
  // the running test itself, at its TEST line, and name the function.
  if (!report.function.empty()) message += "; in " + report.function + " (build with -g for file:line)";
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test != nullptr && test->file() != nullptr) {
    ADD_FAILURE_AT(test->file(), test->line()) << message;
  } else {
    ADD_FAILURE() << message;
  }
}

bool PrintReport(const Report&) {
  CaptureStack& stack = Captures();
  std::lock_guard<std::mutex> guard(stack.mu);
  return stack.captures.empty() ||
         stack.captures.back()->print_ == ScopedReportCapture::kPrint;
}

}  // namespace lockdep::testing

namespace {

// The sink after the tests: nothing is left to fail, so a report (e.g. a lock
// held at exit) sets the exit status again, as the `exitcode` option says
// (a negative override restores the option).
void ReportAfterTests(const lockdep::Report&) {
  lockdep::SetReportExitCode(-1);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // While tests run, every report fails a test or was expected by a capture,
  // so GoogleTest's result says it all: an expected report must not make the
  // binary exit with the `exitcode` status. Reports made before main() were no
  // test's failure and keep that status.
  if (lockdep::ReportCount() == 0) lockdep::SetReportExitCode(0);
  lockdep::SetReportPrintFilter(&lockdep::testing::PrintReport);
  lockdep::SetReportSink(&lockdep::testing::DeliverReport);
  const int result = RUN_ALL_TESTS();
  lockdep::SetReportSink(&ReportAfterTests);
  lockdep::SetReportPrintFilter(nullptr);
  return result;
}
