#include "tools/synthetic_graph.h"

#include <random>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace lockdep::tools {

graph::Graph SyntheticGraph(const SyntheticSpec& spec) {
  graph::Graph g;
  std::mt19937_64 rng(spec.seed);
  graph::Process* p = g.add_processes();
  p->set_program(spec.program);
  p->set_pid(uint32_t(spec.seed));
  for (uint32_t t = 0; t < spec.traces; ++t) {
    graph::StackTrace* trace = g.add_traces();
    for (int f = 0; f < 8; ++f) {
      graph::Frame* frame = trace->add_frames();
      frame->set_function(absl::StrCat("function_", (t * 8 + uint32_t(f)) % 5000));
      frame->set_file(absl::StrCat("src/file_", t % 97, ".cc"));
      frame->set_line(uint32_t(10 + f + t % 1000));
    }
  }
  for (uint32_t i = 0; i < spec.classes; ++i) {
    graph::LockClass* c = g.add_classes();
    c->set_name(absl::StrCat("class_", i));
    c->mutable_key()->set_file("gen.cc");
    c->mutable_key()->set_line(i);
    c->set_usage_mask(256 | 4 | 64);
    c->set_usage("{+.+.}");
    c->set_process(1);
  }
  absl::flat_hash_set<uint64_t> seen;
  auto add = [&](uint32_t from, uint32_t to) {
    if (from == to || !seen.insert(uint64_t(from) << 32 | to).second) return;
    graph::Dependency* d = g.add_dependencies();
    d->set_from(from);
    d->set_to(to);
    d->set_kinds(8);
    d->set_trace(spec.traces ? uint32_t(rng() % spec.traces) + 1 : 0);
    d->set_process(1);
    d->set_runs(1);
  };
  const uint32_t n = spec.classes;
  if (spec.read_ring) {
    for (uint32_t i = 0; i < n; ++i) {
      add(i, (i + 1) % n);
      g.mutable_dependencies(g.dependencies_size() - 1)->set_kinds(i + 1 == n ? 1 : 4);
    }
    g.mutable_stats()->set_classes(uint64_t(g.classes_size()));
    g.mutable_stats()->set_dependencies(uint64_t(g.dependencies_size()));
    return g;
  }
  for (uint32_t k = 0; k < spec.cycles && 2 * k + 1 < n; ++k) {
    add(2 * k, 2 * k + 1);
    add(2 * k + 1, 2 * k);
  }
  // Forward edges only (lower index to higher), to nearby classes mostly, as
  // a subsystem's locks nest under few others; never between the classes of
  // a planted cycle, so each back edge closes exactly its own cycle.
  const uint32_t planted = std::min(n, 2 * spec.cycles);
  while (uint64_t(g.dependencies_size()) < spec.dependencies && n > planted + 1) {
    const uint32_t from = uint32_t(rng() % (n - 1));
    const uint32_t span = 1 + uint32_t(rng() % 64);
    const uint32_t to = std::min(n - 1, from + span);
    if (to < planted || (from < planted && to < planted)) continue;
    add(std::max(from, planted), to);
  }
  g.mutable_stats()->set_classes(uint64_t(g.classes_size()));
  g.mutable_stats()->set_dependencies(uint64_t(g.dependencies_size()));
  return g;
}

}  // namespace lockdep::tools
