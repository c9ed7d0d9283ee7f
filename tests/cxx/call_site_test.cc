// Tests of the user call site behind a non-inlined standard-library guard
// (instrument/cxx/call_site.h): the answer is the user's frame, and a path is
// unwound once, not on every lock, also where the frame pointers guess wrong.
#include "instrument/cxx/call_site.h"

#include <gtest/gtest.h>

#include <string>

#include "instrument/cxx.h"
#include "tests/cxx/std_guard_double.h"
#include "runtime/lockdep.h"
#include "runtime/stacks/source_frames.h"

namespace {

using lockdep::internal::CallSiteStatsForTest;
using lockdep::internal::UserCallSite;

constexpr int kLocks = 1000;
// Each path is unwound once; a second thread's or a full table's unwind
// does not happen here, but leave room for one per path.
constexpr uint64_t kMaxUnwindsPerPath = 2;

// What a lock function does: out of line, asks for its caller's user site.
[[gnu::noinline]] uintptr_t Probe() {
  return UserCallSite(LOCKDEP_RET_IP, __builtin_frame_address(0));
}

// The user's functions that lock through a guard; the right answer is the
// call in each.
[[gnu::noinline]] uintptr_t ThroughGuardA() {
  return lockdep_test::CallLikeStdGuardWithoutFramePointer(&Probe);
}
[[gnu::noinline]] uintptr_t ThroughGuardB() {
  return lockdep_test::CallLikeStdGuardWithoutFramePointer(&Probe);
}
[[gnu::noinline]] uintptr_t ThroughGuardWithFramePointer() {
  return lockdep_test::CallLikeStdGuard(&Probe);
}

std::string FunctionOf(uintptr_t pc) {
  return lockdep::SourceFramesOfPc(pc).front().function;
}

// A guard without a frame pointer hides its caller from the frame-pointer
// walk, whose guess is then the caller's caller (this test). The unwound
// answer is remembered: 1000 locks, one unwind.
TEST(UserCallSite, WrongGuessIsUnwoundOnce) {
  const auto before = CallSiteStatsForTest();
  const uintptr_t site = ThroughGuardA();
  EXPECT_NE(FunctionOf(site).find("ThroughGuardA"), std::string::npos)
      << FunctionOf(site);
  // The precondition: this path's guess is wrong.
  ASSERT_GT(CallSiteStatsForTest().wrong_guesses, before.wrong_guesses);
  for (int i = 0; i < kLocks; ++i) ASSERT_EQ(ThroughGuardA(), site) << i;
  EXPECT_LE(CallSiteStatsForTest().unwinds - before.unwinds,
            kMaxUnwindsPerPath);
}

// Two paths that the frame-pointer walk cannot tell apart (one call
// instruction, two user functions behind it, the guard hiding which) are
// answered each with its own function, and each unwound once.
TEST(UserCallSite, PathsSharingAGuessKeepTheirOwnAnswers) {
  uintptr_t (*const kPaths[])() = {&ThroughGuardA, &ThroughGuardB};
  const auto before = CallSiteStatsForTest();
  uintptr_t sites[2] = {0, 0};
  for (int i = 0; i < 2 * kLocks; ++i) {
    uintptr_t (*volatile path)() = kPaths[i % 2];
    const uintptr_t site = path();  // one call instruction for both
    if (sites[i % 2] == 0) sites[i % 2] = site;
    ASSERT_EQ(site, sites[i % 2]) << i;
  }
  EXPECT_NE(FunctionOf(sites[0]).find("ThroughGuardA"), std::string::npos)
      << FunctionOf(sites[0]);
  EXPECT_NE(FunctionOf(sites[1]).find("ThroughGuardB"), std::string::npos)
      << FunctionOf(sites[1]);
  EXPECT_LE(CallSiteStatsForTest().unwinds - before.unwinds,
            2 * kMaxUnwindsPerPath);
}

// A guard with a frame pointer: the guess is right, and confirmed once.
TEST(UserCallSite, RightGuessIsConfirmedOnce) {
  const auto before = CallSiteStatsForTest();
  const uintptr_t site = ThroughGuardWithFramePointer();
  EXPECT_NE(FunctionOf(site).find("ThroughGuardWithFramePointer"),
            std::string::npos)
      << FunctionOf(site);
  for (int i = 0; i < kLocks; ++i) {
    ASSERT_EQ(ThroughGuardWithFramePointer(), site) << i;
  }
  const auto after = CallSiteStatsForTest();
  EXPECT_EQ(after.wrong_guesses, before.wrong_guesses);
  EXPECT_LE(after.unwinds - before.unwinds, kMaxUnwindsPerPath);
}

// The same through lockdep::Mutex itself.
TEST(UserCallSite, MutexThroughGuardWithoutFramePointerUnwindsOnce) {
  lockdep::Mutex mu("call_site_mu");
  const auto before = CallSiteStatsForTest();
  for (int i = 0; i < kLocks; ++i) {
    lockdep_test::LockLikeStdGuardWithoutFramePointer(mu);
    mu.unlock();
  }
  const auto after = CallSiteStatsForTest();
  EXPECT_GT(after.wrong_guesses, before.wrong_guesses);
  EXPECT_LE(after.unwinds - before.unwinds, kMaxUnwindsPerPath);
}

}  // namespace
