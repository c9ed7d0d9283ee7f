// Progress lines: none in the first second, then at most one a second, for
// phases as for steps (a merge of hundreds of files once printed a line per
// file).
#include "tools/progress.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lockdep::tools {
namespace {

using std::chrono::milliseconds;

Progress::Clock::time_point fake_now;
Progress::Clock::time_point FakeNow() { return fake_now; }

class ProgressTest : public ::testing::Test {
 protected:
  ProgressTest() { out_ = open_memstream(&buf_, &size_); }
  ~ProgressTest() override {
    std::fclose(out_);
    std::free(buf_);
  }
  std::string Printed() {
    std::fflush(out_);
    return std::string(buf_, size_);
  }
  int Lines() {
    const std::string s = Printed();
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }
  std::FILE* out_;
  char* buf_ = nullptr;
  size_t size_ = 0;
};

TEST_F(ProgressTest, PhasesArePacedAsStepsAre) {
  Progress p(&FakeNow, out_);
  p.Phase("reading a.pb");
  EXPECT_EQ(Lines(), 0) << "the first second is quiet";
  fake_now += milliseconds(1500);
  p.Phase("reading b.pb");
  EXPECT_EQ(Lines(), 1);
  EXPECT_THAT(Printed(), ::testing::HasSubstr("lockgraph: reading b.pb (1.5 s)"));
  // 300 files in the next half second: no more lines.
  for (int i = 0; i < 300; ++i) {
    fake_now += milliseconds(1);
    p.Phase("reading c.pb");
  }
  EXPECT_EQ(Lines(), 1);
  fake_now += milliseconds(700);
  p.Phase("reading d.pb");
  EXPECT_EQ(Lines(), 2);
}

TEST_F(ProgressTest, StepsReportAtMostOnceASecond) {
  Progress p(&FakeNow, out_);
  fake_now += milliseconds(1200);
  for (uint64_t i = 1; i <= 3 * 4096; ++i) p.Step("cycles", i, 3 * 4096);
  EXPECT_EQ(Lines(), 1) << Printed();
  EXPECT_THAT(Printed(), ::testing::HasSubstr("lockgraph: cycles: 4096/12288 (1.2 s)"));
}

}  // namespace
}  // namespace lockdep::tools
