// GoogleTest integration: link a test with //instrument:gtest_main and every
// lockdep report made while a test runs fails that test (ADD_FAILURE with the
// report's text), from whichever thread made it. Tests that expect a report
// collect it with a ScopedReportCapture instead:
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
// methods are thread-safe. Reports are still printed to stderr.
// Cost: each collected report is copied once; accessors copy under a lock.
class ScopedReportCapture {
 public:
  ScopedReportCapture();
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

  void Add(const Report& report);

  mutable std::mutex mu_;
  std::vector<Report> reports_;  // guarded by mu_
};

// What the sink installed by //instrument:gtest_main does with a report: hand
// it to the newest live ScopedReportCapture, or else ADD_FAILURE() with its
// text. Thread-safe. Exposed so the capture logic can be tested without a
// report from the validator.
void DeliverReport(const Report& report);

}  // namespace lockdep::testing

#endif  // LOCKDEP_INSTRUMENT_GTEST_H_
