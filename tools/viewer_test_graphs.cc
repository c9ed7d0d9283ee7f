#include "tools/viewer_test_graphs.h"

#include "google/protobuf/util/json_util.h"

namespace lockdep::tools {
namespace {

graph::Graph Classes(const std::vector<std::string>& names) {
  graph::Graph g;
  graph::Process* p = g.add_processes();
  p->set_program("viewer_test");
  p->set_pid(4242);
  p->set_path("runs/one.pb");
  for (size_t i = 0; i < names.size(); ++i) {
    graph::LockClass* c = g.add_classes();
    // "table_sem/1" is class table_sem, subclass 1, as reports name it.
    const size_t slash = names[i].rfind('/');
    const bool numbered = slash != std::string::npos && slash + 1 < names[i].size() &&
                          names[i].find_first_not_of("0123456789", slash + 1) == std::string::npos;
    if (numbered) {
      c->set_name(names[i].substr(0, slash));
      c->set_subclass(uint32_t(std::stoul(names[i].substr(slash + 1))));
    } else {
      c->set_name(names[i]);
    }
    c->mutable_key()->set_file("drivers/viewer.c");
    c->mutable_key()->set_line(uint32_t(10 + i));
    c->mutable_key()->set_symbol(names[i] + "::__key");
    c->set_usage_mask(256 | 4);
    c->set_usage("{+...}");
    c->set_process(1);
    graph::UsageBit* b = c->add_usage_bits();
    b->set_bit(2);
    b->set_name("HARDIRQ-ON-W");
    b->set_trace(1);
  }
  return g;
}

void AddDependency(graph::Graph* g, uint32_t from, uint32_t to, uint32_t kinds,
                   const std::string& function) {
  graph::StackTrace* t = g->add_traces();
  graph::Frame* f = t->add_frames();
  f->set_function(function);
  f->set_file("drivers/viewer.c");
  f->set_line(100 + uint32_t(g->traces_size()));
  f = t->add_frames();
  f->set_function("main");
  f->set_file("main.c");
  f->set_line(7);
  graph::Dependency* d = g->add_dependencies();
  d->set_from(from);
  d->set_to(to);
  d->set_kinds(kinds);
  d->set_trace(uint32_t(g->traces_size()));
  d->set_process(1);
  d->set_runs(1);
}

}  // namespace

graph::Graph AcyclicGraph() {
  graph::Graph g = Classes({"&dev->lock", "&pci.lock", "table_sem/1", "idle_lock"});
  AddDependency(&g, 0, 1, 8, "dev_probe");
  AddDependency(&g, 1, 2, 2, "pci_read");
  AddDependency(&g, 3, 0, 8, "idle_enter");
  return g;
}

graph::Graph CycleGraph() {
  graph::Graph g = AcyclicGraph();
  AddDependency(&g, 2, 0, 8, "table_walk");
  return g;
}

graph::Graph HostileGraph() {
  graph::Graph g = Classes({kScriptName, kImageName, "{{DATA}} & \u2028 <!--"});
  AddDependency(&g, 0, 1, 8, "</script><script>window.__pwned='frame'</script>");
  AddDependency(&g, 1, 0, 8, "operator<<(std::ostream&, \"x\")");
  AddDependency(&g, 1, 2, 1, "<b>bold</b>");
  return g;
}

google::protobuf::Struct EmbeddedData(const std::string& page) {
  static constexpr char kOpen[] = "<script type=\"application/json\" id=\"graph-data\">";
  google::protobuf::Struct data;
  const size_t start = page.find(kOpen);
  if (start == std::string::npos) return data;
  const size_t begin = start + sizeof(kOpen) - 1;
  const size_t end = page.find("</script>", begin);
  if (end == std::string::npos) return data;
  if (!google::protobuf::util::JsonStringToMessage(page.substr(begin, end - begin), &data).ok()) {
    data.Clear();
  }
  return data;
}

}  // namespace lockdep::tools
