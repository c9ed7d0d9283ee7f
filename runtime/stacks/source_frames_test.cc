// SourceFramesOfPc: inlined frames expanded from DWARF, lockdep's and the
// standard library's frames marked internal and left out of traces.
#include "runtime/stacks/source_frames.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/stacks/stack_trace.h"

namespace lockdep {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int inner_line = 0;
int outer_line = 0;

ABSL_ATTRIBUTE_NOINLINE int Capture(uintptr_t* pcs, int max) {
  int n = CaptureStack(pcs, max, 0);
  ABSL_BLOCK_TAIL_CALL_OPTIMIZATION();
  return n;
}

// Inlined even without optimisation: its call of Capture() belongs to
// OuterOfInlined's code, and only DWARF knows it was written here.
[[gnu::always_inline]] inline int InlinedCaller(uintptr_t* pcs, int max) {
  inner_line = __LINE__ + 1;
  int n = Capture(pcs, max);
  return n;
}

ABSL_ATTRIBUTE_NOINLINE int OuterOfInlined(uintptr_t* pcs, int max) {
  outer_line = __LINE__ + 1;
  int n = InlinedCaller(pcs, max);
  ABSL_BLOCK_TAIL_CALL_OPTIMIZATION();
  return n;
}

TEST(SourceFramesTest, InlinedCallsAreFramesOfTheirOwn) {
  uintptr_t pcs[8];
  ASSERT_GE(OuterOfInlined(pcs, 8), 2);
  const std::vector<SourceFrame> frames = SourceFramesOfPc(pcs[1]);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_THAT(frames[0].function, HasSubstr("InlinedCaller"));
  EXPECT_EQ(frames[0].line, inner_line);
  EXPECT_THAT(frames[0].text, HasSubstr("source_frames_test.cc:" +
                                        std::to_string(inner_line) + ")"));
  EXPECT_THAT(frames[1].function, HasSubstr("OuterOfInlined"));
  EXPECT_EQ(frames[1].line, outer_line);
  EXPECT_FALSE(frames[0].internal);
  EXPECT_FALSE(frames[1].internal);
}

// Two inlined levels, the inner one a member function, as when
// lockdep::Mutex::lock is inlined into a user's helper that is itself inlined.
int method_line = 0;
int helper_line = 0;
int user_line = 0;

struct Locker {
  [[gnu::always_inline]] int Lock(uintptr_t* pcs, int max) {
    method_line = __LINE__ + 1;
    int n = Capture(pcs, max);
    return n;
  }
};

[[gnu::always_inline]] inline int LockHelper(uintptr_t* pcs, int max) {
  Locker locker;
  helper_line = __LINE__ + 1;
  int n = locker.Lock(pcs, max);
  return n;
}

// A free function in a namespace: clang nests its DWARF inside the
// namespace's, where libdw's own scope search never looks.
ABSL_ATTRIBUTE_NOINLINE int UserCode(uintptr_t* pcs, int max) {
  user_line = __LINE__ + 1;
  int n = LockHelper(pcs, max);
  ABSL_BLOCK_TAIL_CALL_OPTIMIZATION();
  return n;
}

TEST(SourceFramesTest, NestedInlinedMethodsAreFramesOfTheirOwn) {
  uintptr_t pcs[8];
  ASSERT_GE(UserCode(pcs, 8), 2);
  const std::vector<SourceFrame> frames = SourceFramesOfPc(pcs[1]);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_THAT(frames[0].function, HasSubstr("Locker::Lock"));
  EXPECT_EQ(frames[0].line, method_line) << frames[0].text;
  EXPECT_THAT(frames[1].function, HasSubstr("LockHelper"));
  EXPECT_EQ(frames[1].line, helper_line) << frames[1].text;
  EXPECT_THAT(frames[2].function, HasSubstr("UserCode"));
  EXPECT_EQ(frames[2].line, user_line) << frames[2].text;
  for (const SourceFrame& f : frames) {
    EXPECT_EQ(f.file, "runtime/stacks/source_frames_test.cc") << f.text;
  }
}

// The frames of the fixture library's call of Capture() (NoArangesOuter
// with InlinedHelper inlined into it), the library loaded from `path`, and
// the lines the library says those calls are on.
struct FixtureCall {
  std::vector<SourceFrame> frames;
  int inner_line = 0;
  int outer_line = 0;
};
void CallFixture(const char* path, FixtureCall* call) {
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  using Outer = int (*)(int (*)(uintptr_t*, int), uintptr_t*, int);
  const auto outer = reinterpret_cast<Outer>(dlsym(lib, "NoArangesOuter"));
  const auto* inner_line = static_cast<const int*>(dlsym(lib, "no_aranges_inner_line"));
  const auto* outer_line = static_cast<const int*>(dlsym(lib, "no_aranges_outer_line"));
  ASSERT_NE(outer, nullptr);
  ASSERT_NE(inner_line, nullptr);
  ASSERT_NE(outer_line, nullptr);
  uintptr_t pcs[8];
  ASSERT_GE(outer(&Capture, pcs, 8), 2);
  call->frames = SourceFramesOfPc(pcs[1]);
  call->inner_line = *inner_line;
  call->outer_line = *outer_line;
}

// clang emits no .debug_aranges unless told to (-gdwarf-aranges), and libdw
// finds a pc's unit only through it: such code must still get its lines and
// inlined frames.
TEST(SourceFramesTest, CodeWithoutArangesGetsLinesAndInlinedFrames) {
  // By absolute path, as the loader names libraries it finds itself.
  char* path = realpath("runtime/stacks/libno_aranges_fixture.so", nullptr);
  ASSERT_NE(path, nullptr);
  FixtureCall call;
  CallFixture(path, &call);
  std::free(path);
  if (HasFatalFailure()) return;
  const std::vector<SourceFrame>& frames = call.frames;
  ASSERT_EQ(frames.size(), 2u) << frames[0].text;
  EXPECT_THAT(frames[0].function, HasSubstr("InlinedHelper"));
  EXPECT_EQ(frames[0].file, "runtime/stacks/no_aranges_fixture.cc") << frames[0].text;
  EXPECT_EQ(frames[0].line, call.inner_line) << frames[0].text;
  EXPECT_THAT(frames[1].function, HasSubstr("NoArangesOuter"));
  EXPECT_EQ(frames[1].line, call.outer_line) << frames[1].text;
}

// dlopen("./lib.so") leaves the loader with a relative name, which libdw
// cannot open by itself; the symbolizer asks the kernel for the file.
TEST(SourceFramesTest, LibraryLoadedByARelativePathIsSymbolised) {
  FixtureCall call;
  CallFixture("./runtime/stacks/libno_aranges_fixture_full.so", &call);
  if (HasFatalFailure()) return;
  ASSERT_FALSE(call.frames.empty());
  const SourceFrame& outer = call.frames.back();
  EXPECT_THAT(outer.function, HasSubstr("NoArangesOuter")) << outer.text;
  EXPECT_EQ(outer.file, "runtime/stacks/no_aranges_fixture.cc") << outer.text;
  EXPECT_EQ(outer.line, call.outer_line) << outer.text;
}

TEST(SourceFramesTest, LockdepsOwnCodeIsInternal) {
  const std::vector<SourceFrame> frames =
      SourceFramesOfPc(reinterpret_cast<uintptr_t>(&CaptureStack) + 1);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back().file.rfind("runtime/", 0), 0u) << frames.back().text;
  EXPECT_TRUE(frames.back().internal) << frames.back().text;
}

// A trace taken on a std::thread: the thread's std::__invoke plumbing is
// left out unless asked for; the user's lambda stays.
TEST(SourceFramesTest, TracesLeaveOutStandardLibraryPlumbing) {
  uintptr_t pcs[32];
  int n = 0;
  const int lambda_line = __LINE__ + 1;
  std::thread([&] { n = Capture(pcs, 32); }).join();
  ASSERT_GT(n, 2);
  const std::span<const uintptr_t> trace(pcs, static_cast<size_t>(n));
  std::string all;
  SetShowInternalFrames(true);
  AppendTrace(&all, trace, 1);
  SetShowInternalFrames(false);
  std::string mine;
  AppendTrace(&mine, trace, 1);
  EXPECT_THAT(all, HasSubstr("std::thread"));
  EXPECT_THAT(mine, Not(HasSubstr("__invoke"))) << mine;
  EXPECT_THAT(mine, Not(HasSubstr("std::thread"))) << mine;
  // The lambda (named after the test without optimisation, "operator()"
  // when inlined) and what it called.
  EXPECT_THAT(mine, HasSubstr("source_frames_test.cc:" +
                              std::to_string(lambda_line) + ")"))
      << mine;
  EXPECT_THAT(mine, HasSubstr("Capture")) << mine;
}

}  // namespace
}  // namespace lockdep
