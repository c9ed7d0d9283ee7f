#include "runtime/stacks/stack_trace.h"

#include <dlfcn.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lockdep {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Also proves TraceStore is constant-initialised: this does not compile if it
// needs a constructor to run.
constinit TraceStore store;

// Each test starts from an empty store.
class TraceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store.Clear(); }
};

// The line of the CaptureStack() call inside CaptureHere().
int capture_line = 0;

ABSL_ATTRIBUTE_NOINLINE int CaptureHere(uintptr_t* pcs, int max, int skip) {
  capture_line = __LINE__ + 1;
  int n = CaptureStack(pcs, max, skip);
  ABSL_BLOCK_TAIL_CALL_OPTIMIZATION();
  return n;
}

ABSL_ATTRIBUTE_NOINLINE int CallerOfCaptureHere(uintptr_t* pcs, int max) {
  int n = CaptureHere(pcs, max, 0);
  ABSL_BLOCK_TAIL_CALL_OPTIMIZATION();
  return n;
}

TEST(CaptureStackTest, FirstFrameIsTheCallerWithFileAndLine) {
  uintptr_t pcs[32];
  const int n = CaptureHere(pcs, 32, 0);
  ASSERT_GE(n, 2);
  const std::string frame = SymbolizePc(pcs[0]);
  EXPECT_THAT(frame, HasSubstr("CaptureHere"));
  // Bazel's workspace-relative name, without the compilation directory.
  EXPECT_THAT(frame, HasSubstr(absl::StrCat(" (runtime/stacks/stack_trace_test.cc:",
                                            capture_line, ")")));
  EXPECT_THAT(frame, MatchesRegex(".*CaptureHere.*\\+0x[0-9a-f]+/0x[0-9a-f]+ "
                                  "\\(.*stack_trace_test\\.cc:[0-9]+\\)"));
  EXPECT_THAT(SymbolizePc(pcs[1]),
              HasSubstr("FirstFrameIsTheCallerWithFileAndLine"));
}

TEST(CaptureStackTest, SkipDropsInnermostFrames) {
  uintptr_t all[32];
  uintptr_t skipped[32];
  const int n_all = CallerOfCaptureHere(all, 32);
  ASSERT_GE(n_all, 3);
  EXPECT_THAT(SymbolizePc(all[0]), HasSubstr("CaptureHere"));
  EXPECT_THAT(SymbolizePc(all[1]), HasSubstr("CallerOfCaptureHere"));

  const int n_skipped = CaptureHere(skipped, 32, 1);
  ASSERT_GE(n_skipped, 1);
  EXPECT_THAT(SymbolizePc(skipped[0]),
              HasSubstr("SkipDropsInnermostFrames"));
}

TEST(CaptureStackTest, StopsAtMax) {
  uintptr_t pcs[2] = {0, 0};
  EXPECT_EQ(CallerOfCaptureHere(pcs, 2), 2);
  EXPECT_THAT(SymbolizePc(pcs[1]), HasSubstr("CallerOfCaptureHere"));
  EXPECT_EQ(CaptureHere(pcs, 0, 0), 0);
  EXPECT_EQ(CaptureHere(pcs, 2, 100000), 0);
}

TEST(SymbolizePcTest, UnknownPcIsHex) {
  EXPECT_EQ(SymbolizePc(0x10), "0x10");
  EXPECT_EQ(SymbolizePc(0), "0x0");
}

TEST(SymbolizePcTest, NoLineForCodeWithoutLineInfo) {
  uintptr_t pcs[64];
  const int n = CaptureHere(pcs, 64, 0);
  ASSERT_GE(n, 1);
  // The outermost frame is crt1's _start, built without debug info.
  const std::string outermost = SymbolizePc(pcs[n - 1]);
  if (outermost.rfind("_start+", 0) != 0) GTEST_SKIP() << outermost;
  EXPECT_THAT(outermost, MatchesRegex("_start\\+0x[0-9a-f]+/0x[0-9a-f]+"));
}

ABSL_ATTRIBUTE_NOINLINE int CaptureAfterDlopen(uintptr_t* pcs, int max) {
  int n = CaptureStack(pcs, max, 0);
  ABSL_BLOCK_TAIL_CALL_OPTIMIZATION();
  return n;
}

TEST(SymbolizePcTest, FindsLibraryLoadedAfterFirstUse) {
  uintptr_t pc[1];
  ASSERT_EQ(CaptureHere(pc, 1, 0), 1);
  ASSERT_THAT(SymbolizePc(pc[0]), HasSubstr("CaptureHere"));  // session up

  void* lib = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) GTEST_SKIP() << "no libcrypt.so.1: " << dlerror();
  const auto crypt_r = reinterpret_cast<uintptr_t>(dlsym(lib, "crypt_r"));
  const auto crypt_ra = reinterpret_cast<uintptr_t>(dlsym(lib, "crypt_ra"));
  ASSERT_NE(crypt_r, 0u);
  ASSERT_NE(crypt_ra, 0u);
  // As if returning to a function's first instruction, so the lookup is of
  // the entry itself. libcrypt also names crypt_r "xcrypt_r".
  EXPECT_THAT(SymbolizePc(crypt_r + 1),
              MatchesRegex("x?crypt_r\\+0x1/0x[0-9a-f]+"));

  // Modules are reported again after a miss, when libdw has mmap'ed the
  // files it read (this binary, libcrypt): lookups there must still work.
  EXPECT_EQ(SymbolizePc(0x20), "0x20");
  EXPECT_THAT(SymbolizePc(crypt_ra + 1),
              MatchesRegex("x?crypt_ra\\+0x1/0x[0-9a-f]+"));
  uintptr_t fresh[1];
  ASSERT_EQ(CaptureAfterDlopen(fresh, 1), 1);
  EXPECT_THAT(SymbolizePc(fresh[0]),
              HasSubstr("CaptureAfterDlopen(unsigned long*, int)+0x"));

  // A library without local debug info (libcrypt, unless its -dbgsym is
  // installed) must not make libdw load its debuginfod client (libcurl and
  // friends) to go and look on the network.
  EXPECT_EQ(dlopen("libdebuginfod.so.1", RTLD_LAZY | RTLD_NOLOAD), nullptr);
}

TEST(SymbolizePcTest, AppendTraceWritesOneIndentedLinePerFrame) {
  uintptr_t pcs[2];
  ASSERT_EQ(CallerOfCaptureHere(pcs, 2), 2);
  std::string out = "head\n";
  AppendTrace(&out, pcs, 4);
  EXPECT_EQ(out, absl::StrCat("head\n", "    ", SymbolizePc(pcs[0]), "\n",
                              "    ", SymbolizePc(pcs[1]), "\n"));
  AppendTrace(&out, {}, 4);
  EXPECT_THAT(out, testing::EndsWith("\n"));
}

ABSL_ATTRIBUTE_NOINLINE int CaptureForThreads(uintptr_t* pcs, int max) {
  int n = CaptureStack(pcs, max, 0);
  ABSL_BLOCK_TAIL_CALL_OPTIMIZATION();
  return n;
}

TEST(SymbolizePcTest, ConcurrentCallsAgree) {
  // Frames no other test symbolised, so the threads race on cache misses.
  uintptr_t pcs[32];
  const int n = CaptureForThreads(pcs, 32);
  ASSERT_GE(n, 2);
  std::vector<uintptr_t> frames(pcs, pcs + n);
  frames.push_back(0x10);

  constexpr int kThreads = 4;
  std::vector<std::vector<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&frames, &result = results[t]] {
      for (uintptr_t pc : frames) result.push_back(SymbolizePc(pc));
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_THAT(results[0][0], HasSubstr("CaptureForThreads"));
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(results[t], results[0]);
}

TEST_F(TraceStoreTest, SaveAndGetRoundTrip) {
  const uintptr_t pcs[] = {0x1000, 0x2000, 0x3000};
  const uint32_t id = store.Save(pcs, 3);
  ASSERT_NE(id, kNoTrace);
  EXPECT_THAT(store.Get(id), ElementsAreArray(pcs));
  EXPECT_EQ(store.trace_count(), 1u);
  EXPECT_EQ(store.entry_count(), 3u);
}

TEST_F(TraceStoreTest, CapturedTraceRoundTrips) {
  uintptr_t pcs[32];
  const int n = CallerOfCaptureHere(pcs, 32);
  const uint32_t id = store.Save(pcs, n);
  EXPECT_THAT(store.Get(id), ElementsAreArray(pcs, n));
}

TEST_F(TraceStoreTest, IdenticalTracesShareAnId) {
  const uintptr_t a[] = {0x1000, 0x2000, 0x3000};
  const uintptr_t a_copy[] = {0x1000, 0x2000, 0x3000};
  const uintptr_t b[] = {0x1000, 0x2000, 0x3001};
  const uint32_t id_a = store.Save(a, 3);
  EXPECT_EQ(store.Save(a_copy, 3), id_a);
  const uint32_t id_b = store.Save(b, 3);
  const uint32_t id_prefix = store.Save(a, 2);
  EXPECT_NE(id_b, id_a);
  EXPECT_NE(id_prefix, id_a);
  EXPECT_NE(id_prefix, id_b);
  EXPECT_THAT(store.Get(id_prefix), ElementsAreArray(a, 2));
  EXPECT_EQ(store.trace_count(), 3u);
  EXPECT_EQ(store.entry_count(), 3u + 3u + 2u);
}

TEST_F(TraceStoreTest, EmptyTraceIsNoTrace) {
  const uintptr_t pc = 0x1000;
  EXPECT_EQ(store.Save(&pc, 0), kNoTrace);
  EXPECT_TRUE(store.Get(kNoTrace).empty());
  EXPECT_EQ(store.trace_count(), 0u);
  EXPECT_FALSE(store.full());
}

TEST_F(TraceStoreTest, FullWhenTracesRunOut) {
  for (uintptr_t i = 1; i <= kMaxTraces; ++i) {
    ASSERT_NE(store.Save(&i, 1), kNoTrace) << i;
  }
  EXPECT_FALSE(store.full());
  EXPECT_EQ(store.trace_count(), kMaxTraces);

  uintptr_t one_more = kMaxTraces + 1;
  EXPECT_EQ(store.Save(&one_more, 1), kNoTrace);
  EXPECT_TRUE(store.full());
  // Stored traces stay readable.
  EXPECT_THAT(store.Get(kMaxTraces), ElementsAreArray({uintptr_t{kMaxTraces}}));
}

TEST_F(TraceStoreTest, FullWhenEntriesRunOut) {
  constexpr int kLength = 1024;
  std::vector<uintptr_t> pcs(kLength);
  for (size_t t = 0; t < kMaxTraceEntries / kLength; ++t) {
    pcs[0] = t;
    ASSERT_NE(store.Save(pcs.data(), kLength), kNoTrace) << t;
  }
  EXPECT_EQ(store.entry_count(), kMaxTraceEntries);
  EXPECT_FALSE(store.full());

  pcs[0] = kMaxTraceEntries;
  EXPECT_EQ(store.Save(pcs.data(), kLength), kNoTrace);
  EXPECT_TRUE(store.full());
}

TEST_F(TraceStoreTest, ClearForgetsEverything) {
  for (uintptr_t i = 1; i <= kMaxTraces + 1; ++i) store.Save(&i, 1);
  ASSERT_TRUE(store.full());

  store.Clear();
  EXPECT_FALSE(store.full());
  EXPECT_EQ(store.trace_count(), 0u);
  EXPECT_EQ(store.entry_count(), 0u);
  // A trace stored before Clear() is new again, and gets the first id.
  const uintptr_t pc = 5;
  EXPECT_EQ(store.Save(&pc, 1), 1u);
  EXPECT_THAT(store.Get(1), ElementsAreArray({uintptr_t{5}}));
  EXPECT_EQ(store.trace_count(), 1u);
}

// The one concurrency the store promises: Get() of a returned id while
// another thread saves. TSan checks it.
TEST_F(TraceStoreTest, GetRunsConcurrentlyWithSave) {
  const uintptr_t first[] = {0x1000, 0x2000};
  const uint32_t id = store.Save(first, 2);
  std::thread reader([id] {
    for (int i = 0; i < 10000; ++i) {
      std::span<const uintptr_t> trace = store.Get(id);
      ASSERT_EQ(trace.size(), 2u);
      ASSERT_EQ(trace[1], 0x2000u);
    }
  });
  for (uintptr_t i = 1; i <= 10000; ++i) store.Save(&i, 1);
  reader.join();
}

}  // namespace
}  // namespace lockdep
