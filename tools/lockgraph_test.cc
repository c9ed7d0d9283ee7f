// lockgraph: golden text and DOT of a small fixed graph, each verb end to end
// on graphs written by real runs (the cross-binary cycle: two clean runs that
// together can deadlock), and every bad input exiting 2 with one line.
#include <cstdlib>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/export/graph_file.h"
#include "runtime/export/graph_text.h"
#include "tools/graph_dot.h"
#include "tools/graph_search.h"
#include "tools/lockgraph_test_support.h"

namespace {

using ::lockdep::graph::Graph;
using ::lockdep::tools::Lines;
using ::lockdep::tools::Lockgraph;
using ::lockdep::tools::Outcome;
using ::lockdep::tools::RunProgram;
using ::lockdep::tools::Slurp;
using ::lockdep::tools::Spit;
using ::lockdep::tools::Tmp;
using ::testing::HasSubstr;
using ::testing::Not;

// dev -(EN)-> pci -(ER)-> table_sem/1 -(SN,EN)-> dev is a deadlock cycle;
// idle -> dev hangs off it.
Graph FixedGraph() {
  Graph g;
  auto* p = g.add_processes();
  p->set_program("golden");
  p->set_pid(42);
  auto add_class = [&](const char* name, const char* file, int line, const char* symbol,
                       uint32_t usage, uint32_t subclass) {
    auto* c = g.add_classes();
    c->set_name(name);
    c->mutable_key()->set_file(file);
    c->mutable_key()->set_line(uint32_t(line));
    c->mutable_key()->set_symbol(symbol);
    c->set_usage_mask(usage);
    c->set_usage(lockdep::UsageSummary(usage));
    c->set_subclass(subclass);
    c->set_process(1);
  };
  add_class("&dev->lock", "drivers/dev.c", 10, "dev_init()::__key", 256 | 4 | 64, 0);
  add_class("&pci.lock", "drivers/pci.c", 20, "pci_init()::__key", 256 | 1 | 16, 0);
  add_class("table_sem", "", 0, "table_sem", 256 | 8 | 128, 1);
  add_class("idle_lock", "drivers/idle.c", 5, "idle_lock", 256, 0);
  auto add_dep = [&](uint32_t from, uint32_t to, uint32_t kinds, uint32_t trace) {
    auto* d = g.add_dependencies();
    d->set_from(from);
    d->set_to(to);
    d->set_kinds(kinds);
    d->set_trace(trace);
    d->set_process(1);
    d->set_runs(1);
    g.mutable_classes(int(from))->set_forward_deps(g.classes(int(from)).forward_deps() + 1);
    g.mutable_classes(int(to))->set_backward_deps(g.classes(int(to)).backward_deps() + 1);
  };
  add_dep(0, 1, 8, 1);
  add_dep(1, 2, 2, 2);
  add_dep(2, 0, 4 | 8, 2);
  add_dep(3, 0, 8, 0);
  auto* t1 = g.add_traces();
  auto* f = t1->add_frames();
  f->set_function("dev_probe");
  f->set_file("drivers/dev.c");
  f->set_line(30);
  f = t1->add_frames();
  f->set_function("main");
  f->set_file("main.c");
  f->set_line(5);
  f = g.add_traces()->add_frames();
  f->set_function("pci_read");
  f->set_file("drivers/pci.c");
  f->set_line(44);
  auto* s = g.mutable_stats();
  s->set_classes(4);
  s->set_dependencies(4);
  s->set_chains(7);
  s->set_stack_traces(2);
  s->set_stack_trace_entries(3);
  s->set_max_lock_depth(2);
  auto* l = g.mutable_limits();
  l->set_max_classes(8192);
  l->set_max_dependencies(16384);
  l->set_max_chains(65536);
  l->set_max_trace_entries(524288);
  l->set_max_traces(65536);
  l->set_max_lock_depth(48);
  return g;
}

constexpr char kGoldenText[] = R"(lock graph of golden (pid 42)

all lock classes:
[drivers/dev.c:10] FD:    1 BD:    2 {+.+.}: &dev->lock
 -> [EN] &pci.lock
[drivers/pci.c:20] FD:    1 BD:    1 {-.-.}: &pci.lock
 -> [ER] table_sem/1
[table_sem] FD:    1 BD:    1 {.+.+}: table_sem/1
 -> [EN,SN] &dev->lock
[drivers/idle.c:5] FD:    1 BD:    0 {....}: idle_lock
 -> [EN] &dev->lock

all lock chains:
(7 chains validated; their class lists are not recorded)

lockdep_stats:
 lock-classes:                            4 [max: 8192]
 direct dependencies:                     4 [max: 16384]
 dependency chains:                       7 [max: 65536]
 stack-trace entries:                     3 [max: 524288]
 number of stack traces:                  2 [max: 65536]
 max locking depth:                       2 [max: 48]
 reports:                                 0
 debug_locks:                             1
)";

constexpr char kGoldenDot[] = R"(digraph lockdep {
  rankdir=LR;
  node [shape=box, fontname="monospace", fontsize=10];
  edge [fontname="monospace", fontsize=9];
  c0 [label="&dev->lock\n{+.+.}", color=red, fontcolor=red, penwidth=2];
  c1 [label="&pci.lock\n{-.-.}", color=red, fontcolor=red, penwidth=2];
  c2 [label="table_sem/1\n{.+.+}", color=red, fontcolor=red, penwidth=2];
  c3 [label="idle_lock\n{....}"];
  c0 -> c1 [label="EN", color=red, fontcolor=red, penwidth=2];
  c1 -> c2 [label="ER", color=red, fontcolor=red, penwidth=2];
  c2 -> c0 [label="EN,SN", color=red, fontcolor=red, penwidth=2];
  c3 -> c0 [label="EN"];
}
)";

TEST(Golden, Text) { EXPECT_EQ(lockdep::GraphText(FixedGraph()), kGoldenText); }

TEST(Golden, Dot) {
  const Graph g = FixedGraph();
  lockdep::tools::GraphIndex index(g);
  lockdep::tools::Progress progress;
  EXPECT_EQ(lockdep::tools::GraphDot(index, lockdep::tools::FindCycles(index, 100, &progress), {}),
            kGoldenDot);
}

TEST(Golden, ToolPrintsTheSameDot) {
  const std::string path = Tmp("fixed.pb");
  ASSERT_TRUE(lockdep::WriteGraphFile(path, FixedGraph()).ok());
  const Outcome r = Lockgraph({"dot", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string golden = kGoldenDot;
  const size_t body = golden.size() - 2;  // up to the closing "}\n"
  EXPECT_EQ(r.out.substr(0, body), golden.substr(0, body)) << "the golden graph, then its legend";
  EXPECT_THAT(r.out.substr(body), HasSubstr("subgraph cluster_legend {"));
  EXPECT_THAT(r.out, HasSubstr("a deadlock cycle"));
  const Outcome t = Lockgraph({"text", path});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_THAT(t.out, HasSubstr("[drivers/dev.c:10] FD:    1 BD:    2 {+.+.}: &dev->lock\n"));
}

TEST(Dot, AroundAndCyclesOnly) {
  const std::string path = Tmp("fixed_dot.pb");
  ASSERT_TRUE(lockdep::WriteGraphFile(path, FixedGraph()).ok());
  Outcome r = Lockgraph({"dot", "--around=idle_lock", "--depth=1", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("c3 [label=\"idle_lock"));
  EXPECT_THAT(r.out, HasSubstr("c0 [label=\"&dev->lock"));
  EXPECT_THAT(r.out, Not(HasSubstr("c1 [")));
  EXPECT_THAT(r.out, HasSubstr("c3 -> c0"));
  r = Lockgraph({"dot", "--mark=idle_lock", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("c3 [label=\"idle_lock\\n{....}\", style=filled"));
  EXPECT_THAT(r.out, HasSubstr("c2 [label=\"table_sem/1\\n{.+.+}\", color=red, fontcolor=red, penwidth=2];"));
  r = Lockgraph({"dot", "--cycles-only", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("idle_lock")));
  EXPECT_THAT(r.out, HasSubstr("c2 -> c0"));
}

TEST(Cycles, ReadReadCyclesOfRecursiveReadersAreNotDeadlocks) {
  Graph g = FixedGraph();
  g.mutable_dependencies(2)->set_kinds(4);  // table_sem -(SN)-> dev: after -(ER)->
  const std::string path = Tmp("readers.pb");
  ASSERT_TRUE(lockdep::WriteGraphFile(path, g).ok());
  Outcome r = Lockgraph({"cycles", path});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no cycles"));
  r = Lockgraph({"cycles", Tmp("fixed_cycle.pb")});  // missing file: error
  EXPECT_EQ(r.exit_code, 2);
  ASSERT_TRUE(lockdep::WriteGraphFile(Tmp("fixed_cycle.pb"), FixedGraph()).ok());
  r = Lockgraph({"cycles", Tmp("fixed_cycle.pb")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("cycle 1: &dev->lock -> &pci.lock -> table_sem/1 -> &dev->lock\n"));
  EXPECT_THAT(r.out, HasSubstr("      pci_read (drivers/pci.c:44)\n"));
}

// Every dependency of the cycle taken holding idle_lock, by one thread: the
// cycle is marked, --hide-gated leaves it out, and a merge with a run that
// took it without the gate (another thread, too) drops both marks.
TEST(Cycles, GatedAndOneThreadCyclesAreMarked) {
  Graph g = FixedGraph();
  for (int d = 0; d < 3; ++d) {
    g.mutable_dependencies(d)->add_gates(3);
    g.mutable_dependencies(d)->set_thread(7);
  }
  const std::string gated = Tmp("gated.pb"), plain = Tmp("plain.pb"), both = Tmp("both.pb");
  ASSERT_TRUE(lockdep::WriteGraphFile(gated, g).ok());
  ASSERT_TRUE(lockdep::WriteGraphFile(plain, FixedGraph()).ok());
  Outcome r = Lockgraph({"cycles", gated});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  gated by idle_lock: every dependency was taken holding it\n"));
  EXPECT_THAT(r.out, HasSubstr("  one thread: every dependency was taken by thread 7\n"));
  r = Lockgraph({"cycles", "--hide-gated", gated});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("1 gated cycle(s) hidden (--hide-gated)"));

  r = Lockgraph({"merge", "-o", both, gated, plain});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<Graph> merged = lockdep::ReadGraphFile(both);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->dependencies(0).gates_size(), 0);
  EXPECT_EQ(merged->dependencies(0).thread(), 0u);
  r = Lockgraph({"cycles", "--hide-gated", both});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, Not(HasSubstr("gated by")));
  EXPECT_THAT(r.out, Not(HasSubstr("one thread")));

  // A gate that names no class is refused like any bad index.
  g.mutable_dependencies(0)->add_gates(99);
  ASSERT_TRUE(lockdep::WriteGraphFile(gated, g).ok());
  r = Lockgraph({"cycles", gated});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("gate class 99"));
}

// Two runs of one program, each taking lock_a and lock_b once, in opposite
// orders: each run is clean, the union has the ABBA cycle.
class TwoRuns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* run : {"ab", "ba", "ab2"}) {
      const std::string order(run, 2);
      const Outcome r = RunProgram("tools/abba_probe", {order},
                                   "dump_graph=" + Tmp(std::string(run) + ".pb"));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      ASSERT_EQ(r.err, "") << "each run alone is clean";
    }
  }
};

TEST_F(TwoRuns, CyclesFindsTheInversionNoRunShowed) {
  Outcome r = Lockgraph({"cycles", Tmp("ab.pb")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Lockgraph({"cycles", Tmp("ba.pb")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Lockgraph({"cycles", Tmp("ab.pb"), Tmp("ba.pb")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("cycle 1: lock_a -> lock_b -> lock_a\n"));
  EXPECT_THAT(r.out, HasSubstr("  lock_a -> lock_b [EN], seen in abba_probe pid "));
  EXPECT_THAT(r.out, HasSubstr("  lock_b -> lock_a [EN], seen in abba_probe pid "));
  EXPECT_THAT(r.out, HasSubstr(Tmp("ab.pb")));
  EXPECT_THAT(r.out, HasSubstr(Tmp("ba.pb")));
  EXPECT_THAT(r.out, HasSubstr("RunOrder"));
  EXPECT_THAT(r.out, HasSubstr("tools/abba_probe.cc:"));
}

TEST_F(TwoRuns, MergeWritesTheUnion) {
  const std::string merged = Tmp("merged.pb");
  // ab.pb twice is one run, not two: the second copy changes nothing.
  Outcome r = Lockgraph(
      {"merge", "-o", merged, Tmp("ab.pb"), Tmp("ba.pb"), Tmp("ab.pb"), Tmp("ab2.pb")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<Graph> g = lockdep::ReadGraphFile(merged);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->processes_size(), 3);
  ASSERT_EQ(g->classes_size(), 2) << "classes are the same by their key in the source";
  ASSERT_EQ(g->dependencies_size(), 2);
  EXPECT_EQ(g->dependencies(0).runs(), 2u) << "a -> b was in two runs";
  EXPECT_EQ(g->dependencies(1).runs(), 1u);
  EXPECT_EQ(g->classes(0).key().file(), "tools/abba_probe.cc");
  r = Lockgraph({"cycles", merged});
  EXPECT_EQ(r.exit_code, 1);
}

// "max locking depth" is the deepest stack the run had (two locks), as in
// Linux's lockdep_stats, not the limit; a merge keeps the deepest, and
// says the limits are each run's.
TEST_F(TwoRuns, TextSaysTheDepthReachedAndWhoseLimitsTheyAre) {
  Outcome r = Lockgraph({"text", Tmp("ab.pb")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::ContainsRegex("max locking depth: +2 \\[max: 48\\]"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("lock-classes: +2 \\[max: [0-9]+\\]"));
  r = Lockgraph({"text", Tmp("ab.pb"), Tmp("ba.pb")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::ContainsRegex("max locking depth: +2 \\[max per run: 48\\]"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("lock-classes: +2 \\[max per run: [0-9]+\\]"));
}

TEST_F(TwoRuns, DiffReportsWhatTheNewGraphAdds) {
  Outcome r = Lockgraph({"diff", Tmp("ab.pb"), Tmp("ab.pb")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("adds 0 class(es) and 0 dependencies"));
  const std::string merged = Tmp("diff_merged.pb");
  ASSERT_EQ(Lockgraph({"merge", "-o", merged, Tmp("ab.pb"), Tmp("ba.pb")}).exit_code, 0);
  r = Lockgraph({"diff", Tmp("ab.pb"), merged});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("+ dependency  lock_b -> lock_a [EN]"));
  EXPECT_THAT(r.out, Not(HasSubstr("lock_a -> lock_b")));
  EXPECT_THAT(r.out, HasSubstr("adds 0 class(es) and 1 dependency"));
  r = Lockgraph({"diff", merged, Tmp("ab.pb")});
  EXPECT_EQ(r.exit_code, 0) << "removing is not adding";
}

TEST_F(TwoRuns, PathExplainsAnOrder) {
  Outcome r = Lockgraph({"path", Tmp("ab.pb"), "lock_a", "lock_b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("lock_a comes before lock_b through 1 dependency:\n"));
  EXPECT_THAT(r.out, HasSubstr("RunOrder"));
  r = Lockgraph({"path", Tmp("ab.pb"), "lock_b", "lock_a"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("no dependency chain from lock_b to lock_a"));
  const std::string fixed = Tmp("fixed_path.pb");
  ASSERT_TRUE(lockdep::WriteGraphFile(fixed, FixedGraph()).ok());
  r = Lockgraph({"path", fixed, "idle_lock", "table_sem/1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("through 3 dependencies"));
  r = Lockgraph({"path", fixed, "idle_lock@drivers/idle.c:5", "&pci.lock"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("through 2 dependencies"));
}

TEST_F(TwoRuns, SvgJsonTextAndStat) {
  const std::string svg = Tmp("ab.svg");
  Outcome r = Lockgraph({"svg", Tmp("ab.pb"), Tmp("ba.pb"), "-o", svg});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string image = Slurp(svg);
  EXPECT_THAT(image, HasSubstr("<svg"));
  EXPECT_THAT(image, HasSubstr("lock_a"));
  r = Lockgraph({"json", Tmp("ab.pb")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"name\": \"lock_a\""));
  EXPECT_THAT(r.out, HasSubstr("\"file\": \"tools/abba_probe.cc\""));
  r = Lockgraph({"text", Tmp("ab.pb")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(": lock_a\n -> [EN] lock_b\n"));
  r = Lockgraph({"stat", Tmp("ab.pb")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("no lock statistics"));
}

// Every input lockgraph refuses: exit 2, one line on stderr, saying which.
TEST(BadInput, OneLineAndExitTwo) {
  ASSERT_TRUE(lockdep::WriteGraphFile(Tmp("good.pb"), FixedGraph()).ok());
  const std::string bytes = Slurp(Tmp("good.pb"));
  std::string newer = bytes;
  newer[8] = 2;
  std::string corrupt = bytes;
  corrupt[bytes.size() - 3] ^= 0x5a;
  Spit(Tmp("empty.pb"), "");
  Spit(Tmp("foreign.pb"), "digraph { a -> b }\n");
  Spit(Tmp("truncated.pb"), bytes.substr(0, bytes.size() / 2));
  Spit(Tmp("header_only.pb"), bytes.substr(0, 12));
  Spit(Tmp("newer.pb"), newer);
  Spit(Tmp("corrupt.pb"), corrupt);
  Spit(Tmp("trailing.pb"), bytes + "x");
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const std::vector<Case> cases = {
      {{"text", Tmp("missing.pb")}, "No such file or directory"},
      {{"text", Tmp("empty.pb")}, "empty file"},
      {{"cycles", Tmp("foreign.pb")}, "not a lock graph file"},
      {{"merge", "-o", Tmp("m.pb"), Tmp("good.pb"), Tmp("truncated.pb")}, "truncated"},
      {{"text", Tmp("header_only.pb")}, "truncated"},
      {{"dot", Tmp("newer.pb")}, "format version 2 is newer"},
      {{"diff", Tmp("good.pb"), Tmp("corrupt.pb")}, "checksum mismatch"},
      {{"json", Tmp("trailing.pb")}, "unexpected bytes after the graph"},
      {{"stat", std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp"}, "directory"},
      {{"text", "--bogus", Tmp("good.pb")}, "unknown flag --bogus"},
      {{"dot", "--depth=many", Tmp("good.pb")}, "bad value 'many' for --depth"},
      {{"cycles", "--max-cycles=x", Tmp("good.pb")}, "bad value 'x' for --max-cycles"},
      {{"cycles", "--max-cycles=0", Tmp("good.pb")}, "cycles: --max-cycles must be 1 or more"},
      {{"dot", "--max-cycles=-1", Tmp("good.pb")}, "--max-cycles must be 0 or more"},
      {{"html", "--depth=-1", Tmp("good.pb"), "-o", Tmp("t.html")}, "--depth must be 0 or more"},
      {{"merge", Tmp("good.pb"), "-o"}, "needs a value"},
      {{"merge", Tmp("good.pb")}, "merge needs -o OUT"},
      {{"frobnicate", Tmp("good.pb")}, "unknown verb 'frobnicate'"},
      {{"text"}, "no graph file given"},
      {{"path", Tmp("good.pb"), "idle_lock"}, "path needs FILE A B"},
      {{"path", Tmp("good.pb"), "idle_lock", "no_such_lock"}, "unknown lock class 'no_such_lock'"},
      {{"dot", "--around=nobody", Tmp("good.pb")}, "unknown lock class 'nobody'"},
      {{"diff", Tmp("good.pb")}, "diff needs BASE NEW"},
      {{"svg", Tmp("good.pb")}, "svg needs -o OUT"},
      {{"html", Tmp("good.pb")}, "html needs -o OUT"},
      {{"html", Tmp("truncated.pb"), "-o", Tmp("t.html")}, "truncated"},
      {{"html", "--mark=nobody", Tmp("good.pb"), "-o", Tmp("t.html")}, "unknown lock class 'nobody'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    const Outcome r = Lockgraph(c.args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(Lines(r.err), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.says));
    EXPECT_THAT(r.err, HasSubstr("lockgraph: "));
  }
  EXPECT_EQ(Lockgraph({"--help"}).exit_code, 0);
}

}  // namespace
