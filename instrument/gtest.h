// GoogleTest integration: link a test with //instrument:gtest_main and every
// lockdep report made while a test runs fails that test, from whichever
// thread made it. The report is printed once (on stderr, or log_path); the
// failure is charged to the file and line the report points at in your code
// (Report::file, Report::line) and names the report's title and classes.
// Tests that expect a report collect it with a ScopedReportCapture instead,
// which keeps it off stderr unless asked to print it:
//
//   TEST(Accounts, TransferOrderIsReported) {
//     lockdep::testing::ScopedReportCapture capture;
//     TransferBothWays();
//     EXPECT_TRUE(capture.Has(lockdep::ReportKind::kCircularDependency));
//   }
//
// Independent cases. The validator remembers every lock order it has seen and
// reports each problem once per process, so a test can see orders (and miss
// reports) left by earlier tests. For independent cases call
// lockdep::ResetForTesting() (runtime/report.h) in the fixture's SetUp(),
// while no other thread uses a lock:
//
//   class MyTest : public ::testing::Test {
//    protected:
//     void SetUp() override { lockdep::ResetForTesting(); }
//   };
//
// Exit status. While the tests run, every report fails a test or was
// expected by a capture, so gtest_main sets lockdep::SetReportExitCode(0) and
// the binary's exit status is GoogleTest's. Reports made before main() or
// after the tests (e.g. at exit) are no test's failure and keep the exit
// status of LOCKDEP_OPTIONS' `exitcode`.
#ifndef LOCKDEP_INSTRUMENT_GTEST_H_
#define LOCKDEP_INSTRUMENT_GTEST_H_

#include <cstddef>
#include <mutex>
#include <vector>

#include "runtime/report.h"

namespace lockdep::testing {

// While alive, lockdep reports from any thread are collected here instead of
// failing the running test. Captures nest: the newest live one collects. All
// methods are thread-safe. Collected reports are not printed (they are
// expected) unless `print` is kPrint.
// Cost: each collected report is copied once; accessors copy under a lock.
class ScopedReportCapture {
 public:
  enum Print { kQuiet, kPrint };
  explicit ScopedReportCapture(Print print = kQuiet);
  ~ScopedReportCapture();

  ScopedReportCapture(const ScopedReportCapture&) = delete;
  ScopedReportCapture& operator=(const ScopedReportCapture&) = delete;

  // The reports collected so far, oldest first.
  std::vector<Report> reports() const;
  // True when a collected report is of `kind`.
  bool Has(ReportKind kind) const;
  // Number of reports collected so far.
  size_t count() const;

 private:
  friend void DeliverReport(const Report& report);
  friend bool PrintReport(const Report& report);

  void Add(const Report& report);

  const Print print_;

  mutable std::mutex mu_;
  std::vector<Report> reports_;  // guarded by mu_
};

// What the sink installed by //instrument:gtest_main does with a report: hand
// it to the newest live ScopedReportCapture, or else fail the running test at
// the report's file and line (at gtest_main.cc when it has none) with its
// title and classes. Thread-safe. Exposed so the capture logic can be tested
// without a report from the validator.
void DeliverReport(const Report& report);

// The print filter installed by //instrument:gtest_main (SetReportPrintFilter):
// false while a live ScopedReportCapture collects quietly. Thread-safe.
bool PrintReport(const Report& report);

}  // namespace lockdep::testing

#endif  // LOCKDEP_INSTRUMENT_GTEST_H_
