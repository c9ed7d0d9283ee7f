#include <gtest/gtest.h>
#include <libunwind.h>
#include <elfutils/libdwfl.h>
#include "absl/strings/str_format.h"
TEST(Smoke, Works) { unw_word_t f[4]; EXPECT_GE(unw_backtrace((void**)f, 4), 1); EXPECT_EQ(absl::StrFormat("%d", 3), "3"); }
