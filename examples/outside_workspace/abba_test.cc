// A test of your own code under lockdep: the two functions take the same two
// mutexes in opposite orders, one after the other on one thread, so nothing
// ever deadlocks, and lockdep reports the order anyway.
#include <string>

#include "gtest/gtest.h"
#include "instrument/gtest.h"
#include "instrument/kernel.h"

static_assert(__cplusplus == 201703L, "this workspace builds its own code as C++17");

namespace {

DEFINE_MUTEX(accounts_lock);
DEFINE_MUTEX(journal_lock);

void Deposit() {
  mutex_lock(&accounts_lock);
  mutex_lock(&journal_lock);
  mutex_unlock(&journal_lock);
  mutex_unlock(&accounts_lock);
}

void Audit() {
  mutex_lock(&journal_lock);
  mutex_lock(&accounts_lock);
  mutex_unlock(&accounts_lock);
  mutex_unlock(&journal_lock);
}

TEST(OutsideWorkspace, OppositeOrdersAreReported) {
  // Without the capture, //instrument:gtest_main would fail this test with
  // the report's text: that is what your own tests get.
  lockdep::testing::ScopedReportCapture capture;
  Deposit();
  Audit();
  ASSERT_EQ(capture.count(), 1u);
  const lockdep::Report report = capture.reports()[0];
  EXPECT_EQ(report.kind, lockdep::ReportKind::kCircularDependency);
  EXPECT_NE(report.title.find("possible circular locking dependency detected"),
            std::string::npos);
  EXPECT_NE(report.text.find("accounts_lock"), std::string::npos);
  EXPECT_NE(report.text.find("journal_lock"), std::string::npos);
}

}  // namespace
