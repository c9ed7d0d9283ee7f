// lockgraph html in a real browser: headless Chromium, driven by
// viewer_driver.py (Selenium), opens generated pages from disk and reports
// what they show; these tests compare that with the graphs. Skipped, with the
// reason, where Chromium, chromedriver or python3-selenium is missing
// (./bazelw installs them).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/export/graph_file.h"
#include "tools/synthetic_graph.h"
#include "tools/verbs.h"
#include "tools/viewer_test_graphs.h"

namespace lockdep::tools {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string TmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// Why the browser tests cannot run here, or "".
std::string MissingBrowser() {
  for (const char* tool : {"/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"}) {
    if (access(tool, X_OK) != 0) return absl::StrCat("no ", tool, " (apt-get install chromium chromium-driver)");
  }
  if (std::system("/usr/bin/python3 -c 'import selenium' >/dev/null 2>&1") != 0) {
    return "no python3-selenium (apt-get install python3-selenium)";
  }
  return "";
}

struct Seen {
  Struct fields;
  std::string skip;  // Chromium would not start: why
};

// Writes `g` to a graph file, runs `lockgraph html` on it and lets the driver
// look at the page, searching for `search`. Bounded: the driver is killed
// after 55 seconds.
Seen View(const graph::Graph& g, const std::string& name, const std::string& search) {
  const std::string dir = TmpDir();
  const std::string pb = dir + "/" + name + ".pb";
  Seen seen;
  EXPECT_TRUE(WriteGraphFile(pb, g).ok());
  VerbOptions o;
  o.output = dir + "/" + name + ".html";
  absl::StatusOr<int> code = RunVerb("html", {pb}, o, stdout);
  EXPECT_TRUE(code.ok() && *code == 0) << code.status();
  // The search text goes through the environment: no shell quoting of it.
  setenv("VIEWER_SEARCH", search.c_str(), 1);
  const std::string profile = dir + "/profile-" + name;
  const std::string err = dir + "/" + name + ".driver.err";
  const std::string command =
      absl::StrCat("HOME='", dir, "' timeout -k 5 55 /usr/bin/python3 tools/viewer_driver.py '",
                   o.output, "' '", profile, "' \"$VIEWER_SEARCH\" 2>'", err, "'");
  std::FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; pipe != nullptr && (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = pipe != nullptr ? pclose(pipe) : -1;
  std::string why;
  if (std::FILE* f = std::fopen(err.c_str(), "r")) {
    while (std::fgets(buf, sizeof buf, f) != nullptr) why += buf;
    std::fclose(f);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    seen.skip = why;
    return seen;
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "driver: " << status << "\n" << why;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(out, &seen.fields).ok()) << out << why;
  return seen;
}

std::vector<std::string> Strings(const Value& v) {
  std::vector<std::string> out;
  for (const Value& s : v.list_value().values()) out.push_back(s.string_value());
  return out;
}

const Value& At(const Struct& s, const std::string& key) {
  static const Value kNull;
  auto it = s.fields().find(key);
  return it == s.fields().end() ? kNull : it->second;
}

class Browser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = MissingBrowser(); !why.empty()) GTEST_SKIP() << why;
  }
};

#define VIEW_OR_SKIP(seen, ...)                                   \
  Seen seen = View(__VA_ARGS__);                                  \
  if (!seen.skip.empty()) GTEST_SKIP() << seen.skip;              \
  ASSERT_TRUE(seen.fields.fields().contains("class_count"))

TEST_F(Browser, CycleGraphSearchIsolateAndStacks) {
  const graph::Graph g = CycleGraph();
  VIEW_OR_SKIP(seen, g, "cycle", "pci");
  const Struct& s = seen.fields;
  EXPECT_EQ(At(s, "class_count").string_value(), std::to_string(g.classes_size()));
  EXPECT_EQ(At(s, "dep_count").string_value(), std::to_string(g.dependencies_size()));
  EXPECT_EQ(At(s, "cycle_count").string_value(), "1");
  EXPECT_THAT(Strings(At(s, "first_drawn")),
              UnorderedElementsAre("&dev->lock", "&pci.lock", "table_sem/1", "idle_lock"))
      << "a small graph opens whole";
  const Struct& search = At(s, "search").struct_value();
  EXPECT_THAT(Strings(At(search, "matches")), ElementsAre("&pci.lock"));
  EXPECT_THAT(Strings(At(search, "drawn")), ::testing::Contains("&pci.lock"));
  EXPECT_EQ(At(search, "details").string_value(), "&pci.lock");
  const auto& cycles = At(s, "cycles").list_value();
  ASSERT_EQ(cycles.values_size(), 1);
  EXPECT_THAT(Strings(At(cycles.values(0).struct_value(), "drawn")),
              UnorderedElementsAre("&dev->lock", "&pci.lock", "table_sem/1"))
      << "clicking the cycle isolates exactly its classes";
  // The first label drawn after isolating the cycle is one of its three
  // dependencies; its details give its stack (function, then main).
  const Struct& dep = At(s, "dependency").struct_value();
  EXPECT_THAT(At(dep, "kind").string_value(), HasSubstr(" held while taking "));
  EXPECT_THAT(At(dep, "kind").string_value(), HasSubstr("write then"));
  EXPECT_EQ(At(dep, "run").string_value(), "Seen in file runs/one.pb, program viewer_test, pid 4242.");
  const std::vector<std::string> frames = Strings(At(dep, "frames"));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_THAT(frames[0], HasSubstr(" (drivers/viewer.c:"));
  EXPECT_EQ(frames[1], "main (main.c:7)");
  EXPECT_THAT(At(s, "class_details").string_value(), HasSubstr("taken for writing with hard-irqs enabled"));
  EXPECT_THAT(Strings(At(s, "console_errors")), IsEmpty());
}

TEST_F(Browser, HostileNamesAreShownAsTextAndNeverRun) {
  VIEW_OR_SKIP(seen, HostileGraph(), "hostile", "<script>");
  const Struct& s = seen.fields;
  EXPECT_EQ(At(s, "class_count").string_value(), "3");
  EXPECT_THAT(Strings(At(s, "first_drawn")),
              UnorderedElementsAre(kScriptName, kImageName, "{{DATA}} & \u2028 <!--"));
  EXPECT_THAT(Strings(At(At(s, "search").struct_value(), "matches")), ElementsAre(kScriptName));
  EXPECT_EQ(At(s, "pwned").kind_case(), Value::kNullValue) << "a name ran as script";
  EXPECT_EQ(At(s, "alert").kind_case(), Value::kNullValue);
  EXPECT_THAT(Strings(At(s, "console_errors")), IsEmpty());
}

TEST_F(Browser, EmptyGraph) {
  VIEW_OR_SKIP(seen, graph::Graph(), "empty", "anything");
  EXPECT_EQ(At(seen.fields, "class_count").string_value(), "0");
  EXPECT_THAT(Strings(At(seen.fields, "first_drawn")), IsEmpty());
  EXPECT_THAT(Strings(At(seen.fields, "console_errors")), IsEmpty());
}

// 10,000 classes and 100,000 dependencies: the page opens on the planted
// cycles instead of drawing everything, and still finds any class.
TEST_F(Browser, LargeGraphOpensOnItsCycles) {
  SyntheticSpec spec;
  spec.classes = 10000;
  spec.dependencies = 100000;
  spec.cycles = 5;
  VIEW_OR_SKIP(seen, SyntheticGraph(spec), "large", "class_4242");
  const Struct& s = seen.fields;
  EXPECT_EQ(At(s, "class_count").string_value(), "10000");
  EXPECT_EQ(At(s, "dep_count").string_value(), "100000");
  EXPECT_EQ(At(s, "cycle_count").string_value(), "5");
  EXPECT_EQ(Strings(At(s, "first_drawn")).size(), 10u) << "the ten classes of the five cycles";
  EXPECT_THAT(Strings(At(At(s, "search").struct_value(), "drawn")), ::testing::Contains("class_4242"));
  const auto& cycles = At(s, "cycles").list_value();
  ASSERT_EQ(cycles.values_size(), 5);
  for (int k = 0; k < 5; ++k) {
    EXPECT_THAT(Strings(At(cycles.values(k).struct_value(), "drawn")),
                UnorderedElementsAre(absl::StrCat("class_", 2 * k), absl::StrCat("class_", 2 * k + 1)));
  }
  EXPECT_THAT(Strings(At(s, "console_errors")), IsEmpty());
  // Measured, not asserted (the README quotes it).
  std::printf("load time of the 10,000-class page: %.0f ms after navigation start\n",
              At(s, "load_ms").number_value());
  RecordProperty("load_ms", std::to_string(int(At(s, "load_ms").number_value())));
}

}  // namespace
}  // namespace lockdep::tools
