// The chain cache grows from a small table as chains are learnt: every key
// inserted stays found across each growth, up to the fixed limit; readers on
// other threads never see a key vanish; Clear() forgets all and the table
// grows again.
#include "runtime/graph/chain_cache.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace lockdep {
namespace {

uint64_t KeyOf(uint64_t i) { return ExtendChainKey(kEmptyChainKey, ClassId(i % 16000 + 1), uint32_t(i / 16000), 0); }

TEST(ChainCache, EveryKeyStaysFoundAcrossGrowthUpToTheLimit) {
  static ChainCache cache;  // 4 MiB at most: static, not on the stack
  for (uint64_t i = 0; i < kMaxChains; ++i) {
    ASSERT_TRUE(cache.Insert(KeyOf(i))) << i;
    // Probe a few earlier keys after each power of two (the growths).
    if ((i & (i + 1)) == 0) {
      for (uint64_t j = 0; j <= i; j += 1 + i / 64) ASSERT_TRUE(cache.Contains(KeyOf(j))) << j;
      ASSERT_EQ(cache.CheckInvariants(), "") << "after " << i + 1 << " keys";
    }
  }
  EXPECT_TRUE(cache.full());
  EXPECT_FALSE(cache.Insert(KeyOf(kMaxChains)));
  for (uint64_t i = 0; i < kMaxChains; ++i) ASSERT_TRUE(cache.Contains(KeyOf(i))) << i;
  EXPECT_FALSE(cache.Contains(KeyOf(kMaxChains)));
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.Contains(KeyOf(0)));
  for (uint64_t i = 0; i < 10000; ++i) ASSERT_TRUE(cache.Insert(KeyOf(i)));
  for (uint64_t i = 0; i < 10000; ++i) ASSERT_TRUE(cache.Contains(KeyOf(i)));
  EXPECT_FALSE(cache.Contains(KeyOf(10000)));
  EXPECT_EQ(cache.CheckInvariants(), "");
}

TEST(ChainCache, ReadersNeverLoseAKeyWhileItGrows) {
  static ChainCache cache;
  constexpr uint64_t kEarly = 1000;
  for (uint64_t i = 0; i < kEarly; ++i) ASSERT_TRUE(cache.Insert(KeyOf(i)));
  std::atomic<bool> done{false};
  std::atomic<int> lost{0};
  std::thread reader([&] {
    while (!done.load()) {
      for (uint64_t i = 0; i < kEarly; i += 7) {
        if (!cache.Contains(KeyOf(i))) lost.fetch_add(1);
      }
    }
  });
  for (uint64_t i = kEarly; i < 200000; ++i) cache.Insert(KeyOf(i));  // several growths
  done = true;
  reader.join();
  EXPECT_EQ(lost.load(), 0);
}

}  // namespace
}  // namespace lockdep
