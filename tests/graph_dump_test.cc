// The runtime's graph dump: DumpGraph()/DumpText() on demand, the file read
// back (round trip), classes identified by source location rather than
// address, symbolised traces, the recorder that survives ResetForTesting(),
// and lock_stat staying off unless asked for.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "instrument/kernel.h"
#include "runtime/export/graph_dump.h"
#include "runtime/export/graph_file.h"
#include "runtime/export/graph_text.h"
#include "tests/test_support.h"

namespace {

using ::lockdep_test::LockdepTest;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

DEFINE_MUTEX(outer_lock); constexpr unsigned kOuterLockLine = __LINE__;
DEFINE_MUTEX(inner_lock);
DECLARE_RWSEM(table_sem);

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// outer_lock -> inner_lock (EN) and outer_lock -> table_sem, read (EN: an
// rwsem reader is non-recursive).
__attribute__((noinline)) void TakeInOrder() {
  mutex_lock(&outer_lock);
  mutex_lock(&inner_lock);
  mutex_unlock(&inner_lock);
  down_read(&table_sem);
  up_read(&table_sem);
  mutex_unlock(&outer_lock);
}

int ClassIndex(const lockdep::graph::Graph& g, const std::string& name) {
  for (int i = 0; i < g.classes_size(); ++i) {
    if (g.classes(i).name() == name) return i;
  }
  return -1;
}

bool HasDependency(const lockdep::graph::Graph& g, const std::string& from, const std::string& to) {
  for (const auto& d : g.dependencies()) {
    if (g.classes(int(d.from())).name() == from && g.classes(int(d.to())).name() == to) return true;
  }
  return false;
}

class GraphDumpTest : public LockdepTest {};

TEST_F(GraphDumpTest, RoundTripKeepsClassesDependenciesAndTraces) {
  TakeInOrder();
  const std::string path = TmpPath("round_trip.pb");
  ASSERT_TRUE(lockdep::DumpGraph(path).ok());
  absl::StatusOr<lockdep::graph::Graph> read = lockdep::ReadGraphFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  const lockdep::graph::Graph& g = *read;

  // The same graph as the runtime's, field for field (but the write time).
  lockdep::graph::Graph now = lockdep::CurrentGraph();
  now.mutable_processes(0)->set_time_unix_ns(g.processes(0).time_unix_ns());
  EXPECT_EQ(now.SerializeAsString(), g.SerializeAsString());

  ASSERT_EQ(g.classes_size(), 3);
  EXPECT_TRUE(HasDependency(g, "outer_lock", "inner_lock"));
  EXPECT_TRUE(HasDependency(g, "outer_lock", "table_sem"));
  EXPECT_EQ(g.dependencies_size(), 2);
  for (const auto& d : g.dependencies()) {
    EXPECT_EQ(d.kinds(), 8u) << "EN: writer held, non-recursive take";
    ASSERT_GT(d.trace(), 0u);
    const auto& frames = g.traces(int(d.trace() - 1)).frames();
    ASSERT_FALSE(frames.empty());
    // Traces start at the user's frame, symbolised with file and line.
    EXPECT_THAT(frames[0].function(), HasSubstr("TakeInOrder"));
    EXPECT_EQ(frames[0].file(), "tests/graph_dump_test.cc");
    EXPECT_GT(frames[0].line(), 0u);
    EXPECT_THAT(d.at().function(), HasSubstr("TakeInOrder"));
  }
  // Identity across processes is where the key is, never an address.
  const auto& outer = g.classes(ClassIndex(g, "outer_lock"));
  EXPECT_EQ(outer.key().file(), "tests/graph_dump_test.cc");
  EXPECT_EQ(outer.key().line(), kOuterLockLine);
  // gcc names it by DW_AT_name; clang also emits the linkage name, demangled.
  EXPECT_THAT(outer.key().symbol(),
              ::testing::AnyOf("outer_lock", "(anonymous namespace)::outer_lock"));
  EXPECT_EQ(outer.usage(), "{+.+.}");
  EXPECT_EQ(outer.forward_deps(), 2u);
  bool used_with_trace = false;
  for (const auto& u : outer.usage_bits()) {
    if (u.name() == "INITIAL USE" && u.trace() > 0) used_with_trace = true;
  }
  EXPECT_TRUE(used_with_trace);
  for (const auto& t : g.traces()) {
    for (const auto& f : t.frames()) EXPECT_THAT(f.function(), Not(HasSubstr("0x")));
  }
  EXPECT_EQ(g.stats().classes(), 3u);
  EXPECT_EQ(g.stats().dependencies(), 2u);
  EXPECT_GE(g.stats().chains(), 3u);
  EXPECT_EQ(g.limits().max_classes(), 16384u);
  EXPECT_EQ(g.processes(0).pid(), uint32_t(getpid()));
  EXPECT_EQ(g.processes(0).program(), "graph_dump_test");
}

TEST_F(GraphDumpTest, DumpTextListsClassesDependenciesAndStats) {
  TakeInOrder();
  const std::string path = TmpPath("listing.txt");
  ASSERT_TRUE(lockdep::DumpText(path).ok());
  const std::string text = ReadAll(path);
  EXPECT_THAT(text, HasSubstr("all lock classes:\n"));
  EXPECT_THAT(text, HasSubstr("[tests/graph_dump_test.cc:" + std::to_string(kOuterLockLine) +
                              "] FD:    2 BD:    0 {+.+.}: outer_lock\n"
                              " -> [EN] inner_lock\n"));
  EXPECT_THAT(text, HasSubstr(" lock-classes:                            3 [max: 16384]\n"));
  EXPECT_THAT(text, HasSubstr(" direct dependencies:                     2 [max: 131072]\n"));
  EXPECT_THAT(text, Not(HasSubstr("lock_stat version")));
}

TEST_F(GraphDumpTest, PidInPathAndErrorsSayWhy) {
  TakeInOrder();
  ASSERT_TRUE(lockdep::DumpGraph(TmpPath("pid-%p.pb")).ok());
  struct stat st;
  EXPECT_EQ(stat(TmpPath("pid-" + std::to_string(getpid()) + ".pb").c_str(), &st), 0);

  const absl::Status missing = lockdep::DumpGraph(TmpPath("no/such/dir/g.pb"));
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.message()), HasSubstr("no/such/dir/g.pb"));
  EXPECT_THAT(std::string(missing.message()), HasSubstr("No such file or directory"));
  const absl::Status text = lockdep::DumpText(TmpPath("no/such/dir/g.txt"));
  EXPECT_FALSE(text.ok());
}

TEST_F(GraphDumpTest, RecorderKeepsGraphsAcrossResets) {
  lockdep::GraphRecorder recorder;
  mutex_lock(&outer_lock);
  mutex_lock(&inner_lock);
  mutex_unlock(&inner_lock);
  mutex_unlock(&outer_lock);
  recorder.Record();
  lockdep::ResetForTesting();
  mutex_lock(&inner_lock);
  down_write(&table_sem);
  up_write(&table_sem);
  mutex_unlock(&inner_lock);
  const std::string path = TmpPath("recorded.pb");
  ASSERT_TRUE(recorder.Write(path).ok());
  absl::StatusOr<lockdep::graph::Graph> g = lockdep::ReadGraphFile(path);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(HasDependency(*g, "outer_lock", "inner_lock"));
  EXPECT_TRUE(HasDependency(*g, "inner_lock", "table_sem"));
  EXPECT_EQ(g->classes_size(), 3);
  // The plain dump has only what is left after the reset.
  EXPECT_FALSE(HasDependency(lockdep::CurrentGraph(), "outer_lock", "inner_lock"));
}

TEST_F(GraphDumpTest, LockStatIsOffByDefault) {
  TakeInOrder();
  const lockdep::graph::Graph g = lockdep::CurrentGraph();
  EXPECT_FALSE(g.stats().lock_stat());
  for (const auto& c : g.classes()) EXPECT_THAT(c.stats(), IsEmpty());
  EXPECT_THAT(lockdep::LockStatText(g), HasSubstr("no lock statistics"));
}

}  // namespace
