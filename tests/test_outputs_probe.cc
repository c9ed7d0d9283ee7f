// A GoogleTest binary for test_outputs_test: two tests, each learning one
// dependency, with fixtures that reset the graph before and after each test,
// as the project's own suites do.
#include <gtest/gtest.h>

#include "instrument/cxx.h"
#include "runtime/report.h"

namespace {

class ResettingFixture : public ::testing::Test {
 protected:
  void SetUp() override { lockdep::ResetForTesting(); }
  void TearDown() override { lockdep::ResetForTesting(); }
};

lockdep::Mutex first_lock("first_lock");
lockdep::Mutex second_lock("second_lock");
lockdep::Mutex third_lock("third_lock");

void InOrder(lockdep::Mutex& a, lockdep::Mutex& b) {
  a.lock();
  b.lock();
  b.unlock();
  a.unlock();
}

TEST_F(ResettingFixture, FirstThenSecond) { InOrder(first_lock, second_lock); }
TEST_F(ResettingFixture, SecondThenThird) { InOrder(second_lock, third_lock); }

}  // namespace
