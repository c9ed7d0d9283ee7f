// lockgraph's answers over several files: a class is matched with another
// run's only when it is the same class, so that merging never invents a
// cycle; diff sees kinds and line shifts; loading a graph with itself or
// with an empty graph changes no answer. Each case was a wrong answer once.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/export/graph_file.h"
#include "tools/lockgraph_test_support.h"

namespace {

using ::lockdep::graph::Graph;
using ::lockdep::tools::Lockgraph;
using ::lockdep::tools::Outcome;
using ::lockdep::tools::RunProgram;
using ::lockdep::tools::Tmp;
using ::testing::HasSubstr;
using ::testing::Not;

// The lines of `s` that start with `prefix`.
std::vector<std::string> LinesStarting(const std::string& s, const std::string& prefix) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find('\n', pos);
    if (end == std::string::npos) end = s.size();
    if (s.compare(pos, prefix.size(), prefix) == 0) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// A graph with no classes, as a run that took no lock writes.
std::string EmptyGraph() {
  static const std::string path = [] {
    Graph g;
    auto* p = g.add_processes();
    p->set_program("idle");
    p->set_pid(7);
    p->set_time_unix_ns(123);
    const std::string file = Tmp("empty_graph.pb");
    EXPECT_TRUE(lockdep::WriteGraphFile(file, g).ok());
    return file;
  }();
  return path;
}

// `cycles` and `diff` answer the same for `file` alone, with itself and with
// an empty graph (in either order), and for their merged files.
void ExpectSameAnswers(const std::string& file) {
  SCOPED_TRACE(file);
  const Outcome alone = Lockgraph({"cycles", file});
  ASSERT_NE(alone.exit_code, 2) << alone.err;
  const std::string twice = file + ".twice.pb", with_empty = file + ".empty.pb";
  ASSERT_EQ(Lockgraph({"merge", "-o", twice, file, file}).exit_code, 0);
  ASSERT_EQ(Lockgraph({"merge", "-o", with_empty, EmptyGraph(), file}).exit_code, 0);
  for (const std::vector<std::string>& inputs :
       std::vector<std::vector<std::string>>{{file, file}, {file, EmptyGraph()},
                                             {EmptyGraph(), file}, {twice}, {with_empty}}) {
    SCOPED_TRACE(::testing::PrintToString(inputs));
    std::vector<std::string> args{"cycles"};
    args.insert(args.end(), inputs.begin(), inputs.end());
    const Outcome r = Lockgraph(args);
    EXPECT_EQ(r.exit_code, alone.exit_code) << r.out;
    EXPECT_EQ(LinesStarting(r.out, "cycle "), LinesStarting(alone.out, "cycle "));
    EXPECT_EQ(LinesStarting(r.out, "  "), LinesStarting(alone.out, "  "));
  }
  for (const std::string& other : {twice, with_empty}) {
    for (const auto& [base, now] : {std::pair(file, other), std::pair(other, file)}) {
      const Outcome r = Lockgraph({"diff", base, now});
      EXPECT_EQ(r.exit_code, 0) << base << " vs " << now << ":\n" << r.out;
    }
  }
  const Outcome from_empty = Lockgraph({"diff", EmptyGraph(), file});
  for (const std::string& other : {twice, with_empty}) {
    const Outcome r = Lockgraph({"diff", EmptyGraph(), other});
    EXPECT_EQ(r.exit_code, from_empty.exit_code);
    EXPECT_EQ(LinesStarting(r.out, "+ "), LinesStarting(from_empty.out, "+ "));
  }
}

// Runs identity_probe `args`, returns its graph file.
std::string Probe(const std::vector<std::string>& args) {
  std::string name = "probe";
  for (const std::string& a : args) name += "_" + a;
  const std::string path = Tmp(name + ".pb");
  const Outcome r = RunProgram("tools/identity_probe", args, "dump_graph=" + path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "each run alone is clean";
  return path;
}

// Locks that are two classes in the runtime, yet share a name, a line and a
// symbol, taken first -> x -> second: merging them would invent the cycle
// first -> x -> first.
class DistinctClasses : public ::testing::TestWithParam<const char*> {};

TEST_P(DistinctClasses, StayApartWhenAGraphIsLoadedTwice) {
  const std::string file = Probe({GetParam()});
  const Outcome r = Lockgraph({"cycles", file, file});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no cycles in 3 classes and 2 dependencies"));
  ExpectSameAnswers(file);
}

INSTANTIATE_TEST_SUITE_P(Probe, DistinctClasses,
                         ::testing::Values("array", "heap", "named", "basename", "inline"));

TEST(DistinctClasses, AreStillOneClassInTwoRunsOfOneBinary) {
  for (const char* mode : {"array", "named", "basename", "inline"}) {
    SCOPED_TRACE(mode);
    const std::string one = Probe({mode});
    const std::string two = Tmp(std::string(mode) + "_again.pb");
    ASSERT_EQ(RunProgram("tools/identity_probe", {mode}, "dump_graph=" + two).exit_code, 0);
    const Outcome r = Lockgraph({"cycles", one, two});
    EXPECT_THAT(r.out, HasSubstr("no cycles in 3 classes"));
    EXPECT_EQ(Lockgraph({"diff", one, two}).exit_code, 0);
  }
}

TEST(DistinctClasses, HeapKeysOfTwoRunsAreNeverMatchedAndTheToolSaysSo) {
  const std::string one = Probe({"heap"});
  const std::string two = Tmp("heap_again.pb");
  ASSERT_EQ(RunProgram("tools/identity_probe", {"heap"}, "dump_graph=" + two).exit_code, 0);
  const Outcome r = Lockgraph({"cycles", one, two});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no cycles in 5 classes")) << "x_lock shared, heap classes not";
  EXPECT_THAT(r.err, HasSubstr("2 lock class(es) of registered heap keys"));
  EXPECT_THAT(r.err, HasSubstr("kept apart"));
}

// Two unnamed locks made at one line, made in either order: their classes
// must not follow the order the constructors ran in.
TEST(RunOrder, DoesNotRenameClassesAcrossRuns) {
  const std::string ab = Probe({"order", "ab"}), ba = Probe({"order", "ba"});
  const Outcome r = Lockgraph({"cycles", ab, ba});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no cycles in 3 classes and 2 dependencies"));
  EXPECT_EQ(Lockgraph({"diff", ab, ba}).exit_code, 0);
  ExpectSameAnswers(ab);
}

// A lock name is any C string: the graph stays readable (and mergeable).
TEST(Names, ThatAreNotUtf8AreEscaped) {
  const std::string file = Probe({"badname"});
  Outcome r = Lockgraph({"text", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("bad\\xff\\xfe name"));
  r = Lockgraph({"cycles", file, Probe({"array"})});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ExpectSameAnswers(file);
}

// lockgraph shows the frames a report shows: no libstdc++ thread plumbing
// and no unknown frames, unless --internal_frames=1.
TEST(Frames, TracesHideWhatReportsHide) {
  const std::string file = Probe({"thread"});
  Outcome r = Lockgraph({"path", file, "lock_a", "lock_b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("identity_probe.cc:"));
  EXPECT_THAT(r.out, Not(HasSubstr("_M_run")));
  EXPECT_THAT(r.out, Not(HasSubstr("__invoke_impl")));
  EXPECT_THAT(r.out, Not(HasSubstr("      ?\n")));
  r = Lockgraph({"path", "--internal_frames=1", file, "lock_a", "lock_b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("_M_run"));
}

// A synthetic graph: classes named by `names` (key file "f.c", line i + 10,
// symbol the name, identity from all three), dependencies {from, to, kinds}.
struct Dep {
  uint32_t from, to, kinds;
};
Graph Synthetic(const std::vector<std::string>& names, const std::vector<Dep>& deps,
                uint32_t line_shift = 0, int64_t time = 1) {
  Graph g;
  auto* p = g.add_processes();
  p->set_program("synthetic");
  p->set_pid(1);
  p->set_time_unix_ns(time);
  for (size_t i = 0; i < names.size(); ++i) {
    auto* c = g.add_classes();
    c->set_name(names[i]);
    c->mutable_key()->set_file("f.c");
    c->mutable_key()->set_line(uint32_t(i + 10 + line_shift));
    c->mutable_key()->set_symbol(names[i]);
    c->mutable_key()->set_unit("f.c");
    c->set_identity("var:f.c|f.c:" + std::to_string(i + 10 + line_shift) + "|" + names[i] + "+0");
  }
  for (const Dep& d : deps) {
    auto* out = g.add_dependencies();
    out->set_from(d.from);
    out->set_to(d.to);
    out->set_kinds(d.kinds);
    out->set_runs(1);
  }
  return g;
}

std::string Write(const std::string& name, const Graph& g) {
  const std::string path = Tmp(name);
  EXPECT_TRUE(lockdep::WriteGraphFile(path, g).ok());
  return path;
}

constexpr uint32_t kSR = 1, kER = 2, kSN = 4, kEN = 8;

// A -(SR)-> B beside B -(ER)-> A is no deadlock (recursive readers); the
// same change to A -(ER)-> B is one, and new to CI.
TEST(Diff, SeesAKindThatCanDeadlock) {
  const std::string base = Write("kinds_base.pb", Synthetic({"A", "B"}, {{0, 1, kSR}, {1, 0, kER}}));
  const std::string now =
      Write("kinds_new.pb", Synthetic({"A", "B"}, {{0, 1, kER}, {1, 0, kER}}, 0, 2));
  EXPECT_EQ(Lockgraph({"cycles", base}).exit_code, 0);
  EXPECT_EQ(Lockgraph({"cycles", now}).exit_code, 1);
  Outcome r = Lockgraph({"diff", base, now});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("+ dependency  A -> B [ER]"));
  EXPECT_THAT(r.out, HasSubstr("had it only as [SR]"));
  EXPECT_THAT(r.out, HasSubstr("adds 0 class(es) and 1 dependency"));
  // Weaker kinds are nothing new.
  r = Lockgraph({"diff", now, base});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const std::string en = Write("kinds_en.pb", Synthetic({"A", "B"}, {{0, 1, kEN}}, 0, 3));
  const std::string sn = Write("kinds_sn.pb", Synthetic({"A", "B"}, {{0, 1, kSN | kER}}, 0, 4));
  EXPECT_EQ(Lockgraph({"diff", en, sn}).exit_code, 0);
  EXPECT_EQ(Lockgraph({"diff", sn, en}).exit_code, 1);
  ExpectSameAnswers(base);
  ExpectSameAnswers(now);
}

// One comment line added above the definitions: same classes, same order.
TEST(Diff, APureLineShiftIsNoNewLockOrder) {
  const std::string base = Write("shift_base.pb", Synthetic({"a", "b"}, {{0, 1, kEN}}));
  const std::string now = Write("shift_new.pb", Synthetic({"a", "b"}, {{0, 1, kEN}}, 1, 2));
  Outcome r = Lockgraph({"diff", base, now});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("adds 0 class(es) and 0 dependencies"));
  // A renamed class is new, and so is its dependency.
  const std::string renamed = Write("shift_renamed.pb", Synthetic({"a", "c"}, {{0, 1, kEN}}, 1, 3));
  r = Lockgraph({"diff", base, renamed});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("adds 1 class(es) and 1 dependency"));
  ExpectSameAnswers(now);
}

// Each dependency of a ring of SN takes, closed by one SR: no deadlock
// (every way round, a recursive read is followed by a shared hold). One
// search per dependency made this quadratic; the answer is what is tested.
TEST(Cycles, ABigComponentWithoutAStrongCycle) {
  constexpr uint32_t kRing = 20000;
  std::vector<std::string> names;
  std::vector<Dep> deps;
  for (uint32_t i = 0; i < kRing; ++i) {
    names.push_back("r" + std::to_string(i));
    deps.push_back({i, (i + 1) % kRing, i + 1 == kRing ? kSR : kSN});
  }
  const std::string ring = Write("ring.pb", Synthetic(names, deps));
  Outcome r = Lockgraph({"cycles", ring});
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 1000);
  EXPECT_THAT(r.out, HasSubstr("no cycles in 20000 classes"));
  deps.back().kinds = kSN;  // now a deadlock all the way round
  r = Lockgraph({"cycles", Write("ring_strong.pb", Synthetic(names, deps))});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("1 cycle(s); 20000 dependencies lie on cycles"));
}

// A <-> B is a deadlock; B <-> C only by recursive reads, which are not on
// any deadlock cycle though they share the component.
TEST(Cycles, CountsOnlyDependenciesOnDeadlockCycles) {
  const std::string file = Write(
      "count.pb", Synthetic({"A", "B", "C"}, {{0, 1, kEN}, {1, 0, kEN}, {1, 2, kSR}, {2, 1, kSR}}));
  const Outcome r = Lockgraph({"cycles", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("cycle 1: A -> B -> A\n"));
  EXPECT_THAT(r.out, HasSubstr("1 cycle(s); 2 dependencies lie on cycles"));
  ExpectSameAnswers(file);
}

TEST(Path, NamesWithAtSignsSubclassLookalikesAndRoundTrips) {
  Graph g = Synthetic({"pool@node", "x", "q/1", "q"}, {{0, 1, kEN}, {1, 0, kEN}, {2, 3, kEN}});
  g.mutable_classes(3)->set_subclass(1);
  const std::string file = Write("names.pb", g);
  Outcome r = Lockgraph({"path", file, "pool@node", "x"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("through 1 dependency"));
  r = Lockgraph({"path", file, "pool@node", "pool@node"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("through 2 dependencies"));
  // Class "q/1" (subclass 0) and class "q" subclass 1 print apart.
  r = Lockgraph({"text", file});
  EXPECT_THAT(r.out, HasSubstr(": q/1/0\n -> [EN] q/1\n"));
  r = Lockgraph({"path", file, "q/1/0", "q/1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lockgraph({"path", file, "q/1", "q/1/0"}).exit_code, 1);
}

}  // namespace
