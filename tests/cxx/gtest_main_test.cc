// Tests of //instrument:gtest_main and lockdep::testing::ScopedReportCapture.
// This binary's main() is the one under test.
//
// GtestMainTest feeds hand-made reports through DeliverReport(), the function
// gtest_main installs as the report sink (target gtest_main_test).
// GtestMainValidation makes real reports with lockdep::Mutex (target
// gtest_main_validation_test).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "instrument/cxx.h"
#include "instrument/gtest.h"
#include "runtime/report.h"

namespace {

using lockdep::Report;
using lockdep::ReportKind;
using lockdep::testing::DeliverReport;
using lockdep::testing::ScopedReportCapture;

Report MakeReport(ReportKind kind, const char* title) {
  Report report;
  report.kind = kind;
  report.title = title;
  report.classes = {"a", "b"};
  report.text = std::string("=====\n") + title + "\n-----\n(details)\n";
  return report;
}

const Report& CircularReport() {
  static const Report report =
      MakeReport(ReportKind::kCircularDependency,
                 "WARNING: possible circular locking dependency detected");
  return report;
}

const Report& RecursiveReport() {
  static const Report report =
      MakeReport(ReportKind::kRecursiveLocking,
                 "WARNING: possible recursive locking detected");
  return report;
}

TEST(GtestMainTest, CaptureCollectsReports) {
  ScopedReportCapture capture;
  EXPECT_EQ(capture.count(), 0u);
  EXPECT_FALSE(capture.Has(ReportKind::kCircularDependency));
  DeliverReport(CircularReport());
  EXPECT_EQ(capture.count(), 1u);
  EXPECT_TRUE(capture.Has(ReportKind::kCircularDependency));
  EXPECT_FALSE(capture.Has(ReportKind::kRecursiveLocking));
  const std::vector<Report> reports = capture.reports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].title, CircularReport().title);
  EXPECT_EQ(reports[0].classes, CircularReport().classes);
}

TEST(GtestMainTest, NewestCaptureCollects) {
  ScopedReportCapture outer;
  {
    ScopedReportCapture inner;
    DeliverReport(RecursiveReport());
    EXPECT_EQ(inner.count(), 1u);
    EXPECT_EQ(outer.count(), 0u);
  }
  DeliverReport(CircularReport());
  EXPECT_EQ(outer.count(), 1u);
  EXPECT_TRUE(outer.Has(ReportKind::kCircularDependency));
  EXPECT_FALSE(outer.Has(ReportKind::kRecursiveLocking));
}

TEST(GtestMainTest, CapturesMayEndInAnyOrder) {
  auto first = std::make_unique<ScopedReportCapture>();
  auto second = std::make_unique<ScopedReportCapture>();
  first.reset();
  DeliverReport(CircularReport());
  EXPECT_EQ(second->count(), 1u);
}

TEST(GtestMainTest, CaptureCollectsFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int kReportsPerThread = 200;
  ScopedReportCapture capture;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < kReportsPerThread; ++i)
        DeliverReport(CircularReport());
    });
  }
  // Readers race with the writers on purpose (ThreadSanitizer checks it).
  while (capture.count() < kThreads * kReportsPerThread) {
    (void)capture.Has(ReportKind::kCircularDependency);
    (void)capture.reports();
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(capture.count(), size_t{kThreads} * kReportsPerThread);
}

TEST(GtestMainTest, ReportWithoutCaptureFailsTheTest) {
  EXPECT_NONFATAL_FAILURE(DeliverReport(CircularReport()),
                          "possible circular locking dependency detected");
}

TEST(GtestMainTest, ReportFromAnotherThreadFailsTheTest) {
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(
      std::thread([] { DeliverReport(RecursiveReport()); }).join(),
      "possible recursive locking detected");
}

// The failures `fn` adds on this thread, intercepted into `results`.
template <typename Fn>
void CollectFailures(Fn fn, ::testing::TestPartResultArray* results) {
  ::testing::ScopedFakeTestPartResultReporter reporter(
      ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
      results);
  fn();
}

TEST(GtestMainTest, FailureIsChargedToTheReportsLineAndNotRepeated) {
  Report report = CircularReport();
  report.file = "app/cache.cc";
  report.line = 42;
  ::testing::TestPartResultArray results;
  CollectFailures([&] { DeliverReport(report); }, &results);
  ASSERT_EQ(results.size(), 1);
  const ::testing::TestPartResult& failure = results.GetTestPartResult(0);
  EXPECT_STREQ(failure.file_name(), "app/cache.cc");
  EXPECT_EQ(failure.line_number(), 42);
  const std::string message = failure.message();
  EXPECT_NE(message.find(report.title), std::string::npos) << message;
  EXPECT_NE(message.find("a, b"), std::string::npos) << message;
  // The text went to stderr once already; the failure does not repeat it.
  EXPECT_EQ(message.find("(details)"), std::string::npos) << message;
}

TEST(GtestMainTest, QuietCaptureKeepsReportsOffTheStream) {
  EXPECT_TRUE(lockdep::testing::PrintReport(CircularReport()));
  {
    ScopedReportCapture quiet;
    EXPECT_FALSE(lockdep::testing::PrintReport(CircularReport()));
    {
      ScopedReportCapture loud(ScopedReportCapture::kPrint);
      EXPECT_TRUE(lockdep::testing::PrintReport(CircularReport()));
    }
    EXPECT_FALSE(lockdep::testing::PrintReport(CircularReport()));
  }
  EXPECT_TRUE(lockdep::testing::PrintReport(CircularReport()));
}

// ---------------------------------------------------------------------------
// GtestMainValidation: real reports through the sink gtest_main installs.

class GtestMainValidation : public ::testing::Test {
 protected:
  void SetUp() override { lockdep::ResetForTesting(); }
};

// The line LockInBothOrders closes the cycle on.
int g_cycle_line = 0;

// Takes a then b, then b then a: one circular-dependency report.
void LockInBothOrders(lockdep::Mutex& a, lockdep::Mutex& b) {
  {
    std::lock_guard<lockdep::Mutex> ga(a);
    std::lock_guard<lockdep::Mutex> gb(b);
  }
  {
    std::lock_guard<lockdep::Mutex> gb(b);
    g_cycle_line = __LINE__ + 1;
    std::lock_guard<lockdep::Mutex> ga(a);
  }
}

TEST_F(GtestMainValidation, CaptureCollectsARealReport) {
  lockdep::Mutex a("capture_a");
  lockdep::Mutex b("capture_b");
  ScopedReportCapture capture;
  LockInBothOrders(a, b);
  EXPECT_EQ(capture.count(), 1u);
  EXPECT_TRUE(capture.Has(ReportKind::kCircularDependency));
}

TEST_F(GtestMainValidation, CaptureCollectsFromAnotherThread) {
  lockdep::Mutex a("thread_a");
  lockdep::Mutex b("thread_b");
  ScopedReportCapture capture;
  std::thread([&] { LockInBothOrders(a, b); }).join();
  EXPECT_TRUE(capture.Has(ReportKind::kCircularDependency));
}

TEST_F(GtestMainValidation, CapturedReportIsNotPrintedUnlessAsked) {
  lockdep::Mutex a("quiet_a");
  lockdep::Mutex b("quiet_b");
  ::testing::internal::CaptureStderr();
  {
    ScopedReportCapture capture;
    LockInBothOrders(a, b);
    EXPECT_EQ(capture.count(), 1u);
  }
  const std::string quiet = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(quiet.find("possible circular locking"), std::string::npos)
      << quiet;
  lockdep::ResetForTesting();
  ::testing::internal::CaptureStderr();
  {
    ScopedReportCapture capture(ScopedReportCapture::kPrint);
    LockInBothOrders(a, b);
    EXPECT_EQ(capture.count(), 1u);
  }
  const std::string loud = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(loud.find("possible circular locking"), std::string::npos)
      << loud;
}

TEST_F(GtestMainValidation, FailureIsChargedToTheUsersLine) {
  static lockdep::Mutex* a = new lockdep::Mutex("charged_a");
  static lockdep::Mutex* b = new lockdep::Mutex("charged_b");
  ::testing::TestPartResultArray results;
  CollectFailures([] { LockInBothOrders(*a, *b); }, &results);
  ASSERT_EQ(results.size(), 1);
  const ::testing::TestPartResult& failure = results.GetTestPartResult(0);
  EXPECT_TRUE(std::string(failure.file_name()).ends_with("gtest_main_test.cc"))
      << failure.file_name();
  EXPECT_EQ(failure.line_number(), g_cycle_line);
  EXPECT_NE(std::string(failure.message()).find("charged_a"),
            std::string::npos)
      << failure.message();
}

TEST_F(GtestMainValidation, UncapturedReportFailsTheTest) {
  static lockdep::Mutex* a = new lockdep::Mutex("uncaptured_a");
  static lockdep::Mutex* b = new lockdep::Mutex("uncaptured_b");
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(
      LockInBothOrders(*a, *b),
      "possible circular locking dependency detected");
}

}  // namespace
