// Every public header in a translation unit of the language version this
// test is built as (see BUILD), then each API used from it: a lock order
// reported through the kernel-style and through the C++ types.
#include <mutex>
#include <string>

#include "core/dma-buf.h"
#include "core/dma-fence.h"
#include "core/dma-resv.h"
#include "gtest/gtest.h"
#include "instrument/cxx.h"
#include "instrument/gtest.h"
#include "instrument/kernel.h"
#include "runtime/export/graph_dump.h"
#include "runtime/lockdep.h"
#include "runtime/lockdep_map.h"
#include "runtime/report.h"

static_assert(__cplusplus == LOCKDEP_EXPECTED_CPLUSPLUS,
              "built as a different C++ version than BUILD asks for");

namespace {

DEFINE_SPINLOCK(kernel_a);
DEFINE_SPINLOCK(kernel_b);

lockdep::Mutex cxx_a;
lockdep::Mutex cxx_b;

class PublicHeaders : public ::testing::Test {
 protected:
  void SetUp() override { lockdep::ResetForTesting(); }
};

TEST_F(PublicHeaders, KernelStyleOrderIsReported) {
  lockdep::testing::ScopedReportCapture capture;
  spin_lock(&kernel_a);
  spin_lock(&kernel_b);
  spin_unlock(&kernel_b);
  spin_unlock(&kernel_a);
  spin_lock(&kernel_b);
  spin_lock(&kernel_a);
  spin_unlock(&kernel_a);
  spin_unlock(&kernel_b);
  ASSERT_EQ(capture.count(), 1u);
  EXPECT_EQ(capture.reports()[0].kind, lockdep::ReportKind::kCircularDependency);
}

TEST_F(PublicHeaders, CxxOrderIsReported) {
  lockdep::testing::ScopedReportCapture capture;
  {
    std::lock_guard<lockdep::Mutex> a(cxx_a);
    std::lock_guard<lockdep::Mutex> b(cxx_b);
  }
  {
    std::lock_guard<lockdep::Mutex> b(cxx_b);
    std::lock_guard<lockdep::Mutex> a(cxx_a);
  }
  ASSERT_EQ(capture.count(), 1u);
  EXPECT_EQ(capture.reports()[0].kind, lockdep::ReportKind::kCircularDependency);
}

TEST_F(PublicHeaders, GraphDumpSeesTheDependency) {
  spin_lock(&kernel_a);
  spin_lock(&kernel_b);
  spin_unlock(&kernel_b);
  spin_unlock(&kernel_a);
  const lockdep::graph::Graph graph = lockdep::CurrentGraph();
  EXPECT_GE(graph.dependencies_size(), 1);
}

}  // namespace
