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

// ---------------------------------------------------------------------------
// GtestMainValidation: real reports through the sink gtest_main installs.

class GtestMainValidation : public ::testing::Test {
 protected:
  void SetUp() override { lockdep::ResetForTesting(); }
};

// Takes a then b, then b then a: one circular-dependency report.
void LockInBothOrders(lockdep::Mutex& a, lockdep::Mutex& b) {
  {
    std::lock_guard<lockdep::Mutex> ga(a);
    std::lock_guard<lockdep::Mutex> gb(b);
  }
  {
    std::lock_guard<lockdep::Mutex> gb(b);
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

TEST_F(GtestMainValidation, UncapturedReportFailsTheTest) {
  static lockdep::Mutex* a = new lockdep::Mutex("uncaptured_a");
  static lockdep::Mutex* b = new lockdep::Mutex("uncaptured_b");
  EXPECT_NONFATAL_FAILURE_ON_ALL_THREADS(
      LockInBothOrders(*a, *b),
      "possible circular locking dependency detected");
}

}  // namespace
