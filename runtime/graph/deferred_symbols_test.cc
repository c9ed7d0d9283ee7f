// Reports are symbolised after the graph lock is released, and the
// placeholders the writers leave resolve to exactly what the symbolizer says.
#include "runtime/reports/report_log.h"
#include "runtime/stacks/deferred_symbols.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "runtime/lockdep.h"
#include "runtime/report.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/graph/thread_state.h"

namespace lockdep {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::atomic<int> symbolised{0};
std::atomic<int> symbolised_under_graph_lock{0};

// reports are deferred exactly while this thread holds the graph lock.
void CountSymbolisation() {
  ++symbolised;
  if (ReportsDeferred()) ++symbolised_under_graph_lock;
}

lock_class_key key_a, key_b;

__attribute__((noinline)) void Take(lockdep_map* m) {
  lock_acquire(m, 0, 0, 0, 1, nullptr, LOCKDEP_RET_IP);
}
__attribute__((noinline)) void Drop(lockdep_map* m) {
  lock_release(m, LOCKDEP_RET_IP);
}

TEST(DeferredSymbols, ReportIsSymbolisedOutsideTheGraphLock) {
  ResetForTesting();
  lockdep_map a, b;
  lockdep_init_map(&a, "deferred_a", &key_a, 0);
  lockdep_init_map(&b, "deferred_b", &key_b, 0);
  SetSymbolizeHookForTesting(CountSymbolisation);
  Take(&a); Take(&b); Drop(&b); Drop(&a);
  Take(&b); Take(&a); Drop(&a); Drop(&b);  // the cycle is reported here
  SetSymbolizeHookForTesting(nullptr);

  const std::vector<Report> reports = CollectedReports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, ReportKind::kCircularDependency);
  EXPECT_GT(symbolised.load(), 0);
  EXPECT_EQ(symbolised_under_graph_lock.load(), 0);
  // Fully resolved: the frames are named, no placeholder byte is left.
  EXPECT_THAT(reports[0].text, HasSubstr("ReportIsSymbolisedOutsideTheGraphLock"));
  EXPECT_THAT(reports[0].text, Not(HasSubstr("\x1e")));
  EXPECT_THAT(reports[0].text, Not(HasSubstr("\x1f")));
  EXPECT_EQ(reports[0].file.empty(), false);
  ResetForTesting();
}

TEST(DeferredSymbols, PlaceholdersResolveToTheSymbolizersText) {
  const uintptr_t pc = reinterpret_cast<uintptr_t>(&Take) + 1;
  std::string text = "at: " + SymbolPlaceholder(pc) + "\n";
  const uintptr_t pcs[] = {pc, reinterpret_cast<uintptr_t>(&Drop) + 1};
  AppendTracePlaceholder(&text, pcs, 3);
  ResolveSymbols(&text);

  std::string expected = "at: " + SymbolizePc(pc) + "\n";
  AppendTrace(&expected, pcs, 3);
  EXPECT_EQ(text, expected);
  EXPECT_THAT(text, HasSubstr("Take"));
  EXPECT_THAT(text, HasSubstr("   "));
}

TEST(DeferredSymbols, TextThatIsNotAPlaceholderIsKept) {
  for (std::string text : {std::string("plain report text\n"),
                           std::string("a lone \x1e byte"),
                           std::string("\x1ezz\x1f and \x1ep\x1f"),
                           std::string("\x1et999,10\x1f"),
                           std::string("\x1et1,xyz\x1f"),
                           std::string("unclosed \x1ep10")}) {
    const std::string before = text;
    ResolveSymbols(&text);
    EXPECT_EQ(text, before);
  }
}

TEST(DeferredSymbols, EmptyTraceLeavesNoPlaceholder) {
  std::string text = "x";
  AppendTracePlaceholder(&text, {}, 1);
  EXPECT_EQ(text, "x");
}

}  // namespace
}  // namespace lockdep
