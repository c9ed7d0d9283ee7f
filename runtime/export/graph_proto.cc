#include "runtime/export/graph_proto.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "runtime/stacks/code_address.h"
#include "runtime/export/key_location.h"
#include "runtime/graph/key_origin.h"
#include "runtime/base/limits.h"
#include "runtime/stacks/source_frames.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/graph/usage.h"
#include "runtime/export/utf8_escape.h"

namespace lockdep {
namespace {

graph::Frame MakeFrame(const SourceFrame& f, bool inlined_caller) {
  graph::Frame frame;
  frame.set_function(Utf8OrEscaped(f.function));
  if (!f.file.empty()) {
    frame.set_file(Utf8OrEscaped(f.file));
    frame.set_line(uint32_t(std::max(f.line, 0)));
  }
  frame.set_internal(f.internal);
  frame.set_inlined_caller(inlined_caller);
  return frame;
}

// Every source frame of `pc`, innermost first, each marked as reports judge
// it (runtime/stacks/source_frames.h), so that the reader applies the reports'
// filter and internal_frames=1 can still show everything.
std::vector<graph::Frame> FramesOfPc(uintptr_t pc) {
  std::vector<graph::Frame> out;
  const std::vector<SourceFrame> frames = SourceFramesOfPc(pc);
  for (size_t k = 0; k < frames.size(); ++k) out.push_back(MakeFrame(frames[k], k > 0));
  return out;
}

// What makes the class of key address `base` itself, across runs: see
// LockClass.identity in lockgraph.proto. Returns whether it is run-local.
bool SetIdentity(uintptr_t base, const graph::KeyLocation* location, const std::string& run,
                 graph::LockClass* out) {
  const std::string site = KeyIdentity(reinterpret_cast<const lock_class_key*>(base));
  if (!site.empty()) {
    out->set_identity(absl::StrCat("site:", Utf8OrEscaped(site)));
    return false;
  }
  if (location != nullptr && (!location->file().empty() || !location->symbol().empty())) {
    out->set_identity(absl::StrCat("var:", location->unit(), "|", location->file(), ":",
                                   location->line(), "|", location->symbol(), "+",
                                   location->offset()));
    return false;
  }
  if (std::string code = CodeAddressIdentity(base); !code.empty()) {
    out->set_identity(absl::StrCat("mod:", Utf8OrEscaped(code)));
    return false;
  }
  out->set_identity(absl::StrCat("run:", run, "+0x", absl::Hex(base)));
  out->set_run_local(true);
  return true;
}

}  // namespace

graph::Frame FrameOfPc(uintptr_t pc) {
  const std::vector<SourceFrame> frames = SourceFramesOfPc(pc);
  if (!ShowInternalFrames()) {
    for (const SourceFrame& f : frames) {
      if (!f.internal) return MakeFrame(f, false);
    }
  }
  return MakeFrame(frames.front(), false);
}

graph::Graph BuildGraphProto(const GraphSnapshot& snap) {
  graph::Graph g;
  graph::Process* p = g.add_processes();
  p->set_program(Utf8OrEscaped(program_invocation_short_name));
  p->set_pid(uint32_t(getpid()));
  p->set_time_unix_ns(absl::GetCurrentTimeNanos());
  const std::string run = absl::StrCat(p->program(), "/", p->pid(), "/", p->time_unix_ns());

  std::map<uintptr_t, graph::Frame> frames;
  auto frame = [&](uintptr_t pc) -> const graph::Frame& {
    auto it = frames.find(pc);
    if (it == frames.end()) it = frames.emplace(pc, FrameOfPc(pc)).first;
    return it->second;
  };
  std::map<uintptr_t, std::vector<graph::Frame>> inlined;
  for (const std::vector<uintptr_t>& pcs : snap.traces) {
    graph::StackTrace* t = g.add_traces();
    for (uintptr_t pc : pcs) {
      auto it = inlined.find(pc);
      if (it == inlined.end()) it = inlined.emplace(pc, FramesOfPc(pc)).first;
      for (const graph::Frame& f : it->second) *t->add_frames() = f;
    }
  }

  std::vector<uintptr_t> key_bases;
  for (const auto& c : snap.classes) key_bases.push_back(c.key - c.subclass);
  std::map<uintptr_t, graph::KeyLocation> keys = LocateKeys(key_bases);
  for (auto& [address, key] : keys) {
    key.set_file(Utf8OrEscaped(key.file()));
    key.set_symbol(Utf8OrEscaped(key.symbol()));
    key.set_unit(Utf8OrEscaped(key.unit()));
  }

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
    out->set_name(Utf8OrEscaped(c.name));
    out->set_subclass(c.subclass);
    const auto key = keys.find(c.key - c.subclass);
    if (key != keys.end()) *out->mutable_key() = key->second;
    SetIdentity(c.key - c.subclass, key != keys.end() ? &key->second : nullptr, run, out);
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
    for (uint32_t gate : e.gates) {
      if (gate != 0) d->add_gates(gate - 1);
    }
    d->set_thread(uint32_t(e.thread));
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
  st->set_max_lock_depth(snap.max_lock_depth);
  return g;
}

}  // namespace lockdep
