#include "runtime/graph_proto.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "runtime/key_location.h"
#include "runtime/limits.h"
#include "runtime/stack_trace.h"
#include "runtime/usage.h"

namespace lockdep {
namespace {

bool AllHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return !s.empty();
}

}  // namespace

graph::Frame FrameOfPc(uintptr_t pc) {
  // SymbolizePc's documented shape: "function+0x1c/0x40 (file.cc:123)", the
  // file:line part only with debug info, "0x7f..." when nothing is known.
  std::string s = SymbolizePc(pc);
  graph::Frame frame;
  if (!s.empty() && s.back() == ')') {
    const size_t open = s.rfind(" (");
    if (open != std::string::npos) {
      absl::string_view inner(s.data() + open + 2, s.size() - open - 3);
      const size_t colon = inner.rfind(':');
      uint32_t line = 0;
      if (colon != absl::string_view::npos && absl::SimpleAtoi(inner.substr(colon + 1), &line)) {
        frame.set_file(std::string(inner.substr(0, colon)));
        frame.set_line(line);
        s.resize(open);
      }
    }
  }
  const size_t plus = s.rfind("+0x");
  if (plus != std::string::npos && plus > 0) s.resize(plus);
  if (s.rfind("0x", 0) == 0 && AllHex(absl::string_view(s).substr(2))) s.clear();
  frame.set_function(s);
  return frame;
}

graph::Graph BuildGraphProto(const GraphSnapshot& snap) {
  graph::Graph g;
  graph::Process* p = g.add_processes();
  p->set_program(program_invocation_short_name);
  p->set_pid(uint32_t(getpid()));
  p->set_time_unix_ns(absl::GetCurrentTimeNanos());

  std::map<uintptr_t, graph::Frame> frames;
  auto frame = [&](uintptr_t pc) -> const graph::Frame& {
    auto it = frames.find(pc);
    if (it == frames.end()) it = frames.emplace(pc, FrameOfPc(pc)).first;
    return it->second;
  };
  for (const std::vector<uintptr_t>& pcs : snap.traces) {
    graph::StackTrace* t = g.add_traces();
    for (uintptr_t pc : pcs) *t->add_frames() = frame(pc);
  }

  std::vector<uintptr_t> key_bases;
  for (const auto& c : snap.classes) key_bases.push_back(c.key - c.subclass);
  const std::map<uintptr_t, graph::KeyLocation> keys = LocateKeys(key_bases);

  std::map<uintptr_t, uint32_t> class_of_key;
  std::vector<uint32_t> fd(snap.classes.size()), bd(snap.classes.size());
  for (const auto& e : snap.edges) {
    ++fd[e.from];
    ++bd[e.to];
  }
  for (uint32_t i = 0; i < snap.classes.size(); ++i) {
    const auto& c = snap.classes[i];
    class_of_key.emplace(c.key, i);
    graph::LockClass* out = g.add_classes();
    out->set_name(c.name);
    out->set_subclass(c.subclass);
    if (auto it = keys.find(c.key - c.subclass); it != keys.end()) *out->mutable_key() = it->second;
    out->set_usage_mask(c.usage);
    out->set_usage(UsageString(c.usage));
    for (int b = 0; b < 16; ++b) {
      if (!(c.usage & (1u << b))) continue;
      graph::UsageBit* u = out->add_usage_bits();
      u->set_bit(uint32_t(b));
      u->set_name(UsageName(b));
      u->set_trace(c.usage_trace[b]);
    }
    out->set_forward_deps(fd[i]);
    out->set_backward_deps(bd[i]);
    out->set_process(1);
  }
  for (const auto& e : snap.edges) {
    graph::Dependency* d = g.add_dependencies();
    d->set_from(e.from);
    d->set_to(e.to);
    d->set_kinds(e.types);
    d->set_trace(e.trace);
    if (e.ip) *d->mutable_at() = frame(e.ip);
    d->set_process(1);
    d->set_runs(1);
  }
  for (const LockStatRecord& r : snap.lock_stats) {
    auto it = class_of_key.find(r.class_key);
    if (it == class_of_key.end()) continue;  // a class forgotten since
    graph::LockStat* s = g.mutable_classes(int(it->second))->add_stats();
    if (r.ip) *s->mutable_site() = frame(r.ip);
    s->set_acquisitions(r.acquisitions);
    s->set_contentions(r.contentions);
    auto put = [](graph::TimeStat* t, const TimeTotals& v) {
      t->set_count(v.count);
      t->set_min_ns(v.min_ns);
      t->set_max_ns(v.max_ns);
      t->set_total_ns(v.total_ns);
    };
    put(s->mutable_wait(), r.wait);
    put(s->mutable_hold(), r.hold);
  }

  graph::Limits* l = g.mutable_limits();
  l->set_max_classes(kMaxClasses);
  l->set_max_dependencies(kMaxDependencies);
  l->set_max_chains(kMaxChains);
  l->set_max_trace_entries(kMaxTraceEntries);
  l->set_max_traces(kMaxTraces);
  l->set_max_lock_depth(kMaxLockDepth);
  graph::Stats* st = g.mutable_stats();
  st->set_classes(snap.classes.size());
  st->set_dependencies(snap.edges.size());
  st->set_chains(snap.chains);
  st->set_stack_traces(snap.stack_traces);
  st->set_stack_trace_entries(snap.stack_trace_entries);
  st->set_reports(snap.reports);
  st->set_validation_off(snap.validation_off);
  st->set_lock_stat(snap.lock_stat);
  return g;
}

}  // namespace lockdep
