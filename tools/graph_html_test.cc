// lockgraph html: what the page carries (classes, dependencies, cycle
// membership, words for kinds and usage) for an empty graph, a clean one, one
// with a cycle, hostile names and a 10,000-class graph, and that no name can
// escape the data element. viewer_browser_test checks the page in a browser.
#include "tools/graph_html.h"

#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "runtime/export/graph_file.h"
#include "tools/progress.h"
#include "tools/synthetic_graph.h"
#include "tools/verbs.h"
#include "tools/viewer_test_graphs.h"

namespace lockdep::tools {
namespace {

using ::google::protobuf::ListValue;
using ::google::protobuf::Struct;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Page(const graph::Graph& g, const ViewOptions& options = {}) {
  GraphIndex index(g);
  Progress progress;
  return GraphHtml(index, FindCycles(index, 100, &progress), options);
}

const ListValue& List(const Struct& data, const char* key) {
  return data.fields().at(key).list_value();
}

// The classes on each cycle the page lists, by name.
std::vector<std::set<std::string>> CycleClasses(const Struct& data) {
  const ListValue& deps = List(data, "deps");
  std::vector<std::set<std::string>> out;
  for (const auto& cycle : List(data, "cycles").values()) {
    std::set<std::string> names;
    for (const auto& e : cycle.list_value().values()) {
      for (int end = 0; end < 2; ++end) {
        const int c = int(deps.values(int(e.number_value()) * 7 + end).number_value());
        names.insert(List(data, "classes").values(c).list_value().values(0).string_value());
      }
    }
    out.push_back(names);
  }
  return out;
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(GraphHtml, EmptyGraphIsAPageWithNothingInIt) {
  const std::string page = Page(graph::Graph());
  const Struct data = EmbeddedData(page);
  ASSERT_TRUE(data.fields().contains("classes")) << page.substr(0, 400);
  EXPECT_EQ(List(data, "classes").values_size(), 0);
  EXPECT_EQ(List(data, "deps").values_size(), 0);
  EXPECT_EQ(List(data, "cycles").values_size(), 0);
  EXPECT_THAT(page, Not(HasSubstr("{{"))) << "every placeholder is filled";
}

TEST(GraphHtml, NothingIsFetchedWhenViewed) {
  const std::string page = Page(CycleGraph());
  for (const char* fetch : {"src=", "href=", "@import", "url(http", "fetch(", "XMLHttpRequest"}) {
    EXPECT_THAT(page, Not(HasSubstr(fetch))) << fetch;
  }
}

TEST(GraphHtml, CleanGraphHasNoCycles) {
  const Struct data = EmbeddedData(Page(AcyclicGraph()));
  EXPECT_EQ(List(data, "classes").values_size(), 4);
  EXPECT_EQ(List(data, "deps").values_size(), 3 * 7);
  EXPECT_EQ(List(data, "cycles").values_size(), 0);
}

TEST(GraphHtml, CarriesTheCycleItsStacksAndWords) {
  ViewOptions options;
  options.title = "runs/one.pb";
  const Struct data = EmbeddedData(Page(CycleGraph(), options));
  ASSERT_EQ(List(data, "classes").values_size(), 4);
  EXPECT_EQ(data.fields().at("title").string_value(), "runs/one.pb");
  const std::vector<std::set<std::string>> cycles = CycleClasses(data);
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0], (std::set<std::string>{"&dev->lock", "&pci.lock", "table_sem/1"}))
      << "idle_lock only leads into the cycle";
  // A dependency's stack: trace index + 1 into traces, frames by index.
  const ListValue& deps = List(data, "deps");
  const int trace = int(deps.values(3).number_value());
  ASSERT_GT(trace, 0);
  const int frame = int(List(data, "traces").values(trace - 1).list_value().values(0).number_value());
  EXPECT_EQ(List(data, "frames").values(frame).list_value().values(0).string_value(), "dev_probe");
  EXPECT_EQ(List(data, "kindWords").values(8).string_value(), "write then write (EN)");
  EXPECT_EQ(List(data, "kindWords").values(2 | 8).string_value(),
            "write then write (EN); write then recursive read (ER)");
  EXPECT_EQ(List(data, "usageWords").values(2).string_value(),
            "taken for writing with hard-irqs enabled");
  EXPECT_EQ(List(data, "usageWords").values(5).string_value(),
            "taken for reading inside a soft-irq handler");
  const ListValue& process = List(data, "processes").values(0).list_value();
  EXPECT_EQ(process.values(0).string_value(), "viewer_test");
  EXPECT_EQ(process.values(2).string_value(), "runs/one.pb");
}

TEST(GraphHtml, HostileNamesStayData) {
  const std::string page = Page(HostileGraph());
  // The template's two script elements close, and nothing else does.
  EXPECT_EQ(Count(page, "</script"), 2);
  EXPECT_EQ(Count(page, "<script"), 2);
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, Not(HasSubstr("<!--")));
  EXPECT_THAT(page, HasSubstr("\\u003cscript\\u003ewindow.__pwned"));
  const Struct data = EmbeddedData(page);
  const ListValue& classes = List(data, "classes");
  ASSERT_EQ(classes.values_size(), 3);
  EXPECT_EQ(classes.values(0).list_value().values(0).string_value(), kScriptName);
  EXPECT_EQ(classes.values(1).list_value().values(0).string_value(), kImageName);
  EXPECT_EQ(classes.values(2).list_value().values(0).string_value(), "{{DATA}} & \u2028 <!--");
  EXPECT_EQ(List(data, "frames").values(0).list_value().values(0).string_value(),
            "</script><script>window.__pwned='frame'</script>");
  ASSERT_EQ(CycleClasses(data).size(), 1u);
  EXPECT_EQ(CycleClasses(data)[0], (std::set<std::string>{kScriptName, kImageName}));
}

TEST(JsonQuote, EscapesMarkupSeparatorsAndBadUtf8) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
  EXPECT_EQ(JsonQuote("</script>&"), "\"\\u003c/script\\u003e\\u0026\"");
  EXPECT_EQ(JsonQuote("x\u2028y\u2029"), "\"x\\u2028y\\u2029\"");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9 \xff\xc3"), "\"caf\xc3\xa9 \\ufffd\\ufffd\"");
}

TEST(GraphHtml, TenThousandClassesAndAHundredThousandDependencies) {
  SyntheticSpec spec;
  spec.classes = 10000;
  spec.dependencies = 100000;
  spec.cycles = 5;
  const std::string page = Page(SyntheticGraph(spec));
  const Struct data = EmbeddedData(page);
  ASSERT_TRUE(data.fields().contains("classes"));
  EXPECT_EQ(List(data, "classes").values_size(), 10000);
  EXPECT_EQ(List(data, "deps").values_size(), 100000 * 7);
  const std::vector<std::set<std::string>> cycles = CycleClasses(data);
  ASSERT_EQ(cycles.size(), 5u);
  std::set<std::set<std::string>> want, got(cycles.begin(), cycles.end());
  for (int k = 0; k < 5; ++k) {
    want.insert({absl::StrCat("class_", 2 * k), absl::StrCat("class_", 2 * k + 1)});
  }
  EXPECT_EQ(got, want) << "each planted back edge closes its own cycle";
  EXPECT_LT(page.size(), 8u << 20) << "about 30 bytes a dependency";
}

TEST(HtmlVerb, WritesThePageAndRefusesBadInput) {
  const std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  ASSERT_TRUE(WriteGraphFile(dir + "/cycle.pb", CycleGraph()).ok());
  VerbOptions o;
  o.output = dir + "/cycle.html";
  o.around = "idle_lock";
  absl::StatusOr<int> code = RunVerb("html", {dir + "/cycle.pb"}, o, stdout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  std::FILE* f = std::fopen(o.output.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string page(1 << 20, '\0');
  page.resize(std::fread(page.data(), 1, page.size(), f));
  std::fclose(f);
  const Struct data = EmbeddedData(page);
  EXPECT_EQ(data.fields().at("around").string_value(), "idle_lock");
  EXPECT_EQ(List(data, "cycles").values_size(), 1);

  code = RunVerb("html", {dir + "/missing.pb"}, o, stdout);
  EXPECT_FALSE(code.ok());
  EXPECT_THAT(code.status().message(), HasSubstr("No such file"));
  o.around = "nobody";
  code = RunVerb("html", {dir + "/cycle.pb"}, o, stdout);
  EXPECT_THAT(code.status().message(), HasSubstr("unknown lock class 'nobody'"));
  o.output.clear();
  code = RunVerb("html", {dir + "/cycle.pb"}, o, stdout);
  EXPECT_THAT(code.status().message(), HasSubstr("html needs -o OUT"));
}

}  // namespace
}  // namespace lockdep::tools
