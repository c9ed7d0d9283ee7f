// StackRoom's bounds against glibc's (pthread_getattr_np), on the main
// thread, which it computes itself, and on a created thread, where it asks
// glibc.
#include "runtime/stacks/stack_room.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <thread>

namespace lockdep {
namespace {

// Room below the caller's frame as glibc sees this thread's stack.
size_t GlibcRoom() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* base = nullptr;
  size_t size = 0;
  pthread_attr_getstack(&attr, &base, &size);
  pthread_attr_destroy(&attr);
  return reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) -
         reinterpret_cast<uintptr_t>(base);
}

// The main thread's room, computed without glibc, is glibc's (the two
// callers' frames differ by a few bytes).
TEST(StackRoom, MainThreadAgreesWithGlibc) {
  const size_t glibc = GlibcRoom();
  const size_t ours = StackRoom();
  ASSERT_NE(ours, kUnknownStackRoom);
  EXPECT_LE(ours, glibc + 1024) << "ours " << ours << ", glibc " << glibc;
  EXPECT_GE(ours + 1024, glibc) << "ours " << ours << ", glibc " << glibc;
}

TEST(StackRoom, CreatedThreadAgreesWithGlibc) {
  size_t glibc = 0, ours = 0;
  std::thread([&] {
    glibc = GlibcRoom();
    ours = StackRoom();
  }).join();
  ASSERT_NE(ours, kUnknownStackRoom);
  EXPECT_LE(ours, glibc + 4096);
  EXPECT_GT(ours + 4096, glibc);
}

TEST(StackRoom, AnAddressOnThisStackIsOnIt) {
  int local = 0;
  EXPECT_TRUE(OnThisThreadsStack(reinterpret_cast<uintptr_t>(&local)));
  static int not_on_stack = 0;
  EXPECT_FALSE(OnThisThreadsStack(reinterpret_cast<uintptr_t>(&not_on_stack)));
}

}  // namespace
}  // namespace lockdep
