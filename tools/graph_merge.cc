#include "tools/graph_merge.h"

#include <algorithm>

#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "runtime/export/graph_file.h"
#include "runtime/export/graph_text.h"

namespace lockdep::tools {

std::string ClassIdentity(const graph::LockClass& c) {
  if (!c.identity().empty()) return absl::StrCat(c.identity(), "\x1f", c.subclass());
  // Files from before identities: all they say.
  return absl::StrCat("old:", c.name(), "\x1f", c.key().file(), ":", c.key().line(), "\x1f",
                      c.key().symbol(), "\x1f", c.subclass());
}

struct GraphMerger::Index {
  absl::flat_hash_set<std::string> runs;  // RunKey of every process merged
  // name, subclass -> the run of the first run-local class so named
  absl::flat_hash_map<std::string, std::string> run_local_names;
  absl::flat_hash_map<std::string, uint32_t> classes;
  absl::flat_hash_map<uint64_t, uint32_t> dependencies;  // from << 32 | to
  absl::flat_hash_map<std::string, uint32_t> sites;      // class, site -> stat
};

namespace {

std::string SiteKey(uint32_t cls, const graph::Frame& f) {
  return absl::StrCat(cls, "\x1f", f.function(), "\x1f", f.file(), ":", f.line());
}

// One run: a process is its program, pid and the time its graph was written.
// Empty for a process that does not say (synthetic graphs): never the same.
std::string RunKey(const graph::Process& p) {
  if (p.time_unix_ns() == 0) return "";
  return absl::StrCat(p.program(), "\x1f", p.pid(), "\x1f", p.time_unix_ns());
}

}  // namespace

void GraphMerger::Add(const graph::Graph& from, const std::string& path) {
  if (!index_) {
    index_ = std::make_shared<Index>();
    *out_.mutable_limits() = from.limits();
  }
  Index& index = *index_;
  bool all_seen = from.processes_size() > 0;
  for (const graph::Process& p : from.processes()) {
    const std::string run = RunKey(p);
    all_seen = all_seen && !run.empty() && index.runs.contains(run);
  }
  if (all_seen) return;  // the same runs again: nothing new, and not more runs
  for (const graph::Process& p : from.processes()) {
    if (std::string run = RunKey(p); !run.empty()) index.runs.insert(std::move(run));
  }
  const uint32_t process_base = uint32_t(out_.processes_size());
  for (const graph::Process& p : from.processes()) {
    graph::Process* copy = out_.add_processes();
    *copy = p;
    if (copy->path().empty()) copy->set_path(path);
  }
  auto process = [&](uint32_t p) { return p == 0 ? 0 : p + process_base; };
  // Traces are copied when something kept refers to them.
  std::vector<uint32_t> trace_map(size_t(from.traces_size()) + 1, 0);
  auto trace = [&](uint32_t t) -> uint32_t {
    if (t == 0 || t > uint32_t(from.traces_size())) return 0;
    if (trace_map[t] == 0) {
      *out_.add_traces() = from.traces(int(t - 1));
      trace_map[t] = uint32_t(out_.traces_size());
    }
    return trace_map[t];
  };
  std::vector<uint32_t> remap(size_t(from.classes_size()));
  const std::string classes_phase = absl::StrCat("merging ", path, ": classes");
  const std::string deps_phase = absl::StrCat("merging ", path, ": dependencies");
  for (int i = 0; i < from.classes_size(); ++i) {
    progress_->Step(classes_phase, uint64_t(i), uint64_t(from.classes_size()));
    const graph::LockClass& c = from.classes(i);
    auto [it, added] = index.classes.try_emplace(ClassIdentity(c), uint32_t(out_.classes_size()));
    remap[size_t(i)] = it->second;
    if (added && c.run_local()) {
      // identity is "run:RUN+0xADDRESS"
      const std::string run = c.identity().substr(0, c.identity().rfind('+'));
      auto [named, first] = index.run_local_names.try_emplace(
          absl::StrCat(c.name(), "\x1f", c.subclass()), run);
      if (!first && named->second != run) ++kept_apart_;
    }
    if (added) {
      graph::LockClass* copy = out_.add_classes();
      *copy = c;
      copy->clear_stats();
      copy->set_process(process(c.process()));
      for (graph::UsageBit& u : *copy->mutable_usage_bits()) u.set_trace(trace(u.trace()));
    } else {
      graph::LockClass* mine = out_.mutable_classes(int(it->second));
      for (const graph::UsageBit& u : c.usage_bits()) {
        if (mine->usage_mask() & (1u << u.bit())) continue;
        graph::UsageBit* b = mine->add_usage_bits();
        *b = u;
        b->set_trace(trace(u.trace()));
      }
      mine->set_usage_mask(mine->usage_mask() | c.usage_mask());
      mine->set_usage(UsageSummary(mine->usage_mask()));
    }
    for (const graph::LockStat& s : c.stats()) {
      graph::LockClass* mine = out_.mutable_classes(int(it->second));
      auto [site, new_site] = index.sites.try_emplace(SiteKey(it->second, s.site()),
                                                      uint32_t(mine->stats_size()));
      if (new_site) {
        *mine->add_stats() = s;
        continue;
      }
      graph::LockStat* into = mine->mutable_stats(int(site->second));
      into->set_acquisitions(into->acquisitions() + s.acquisitions());
      into->set_contentions(into->contentions() + s.contentions());
      AddTimeStat(into->mutable_wait(), s.wait());
      AddTimeStat(into->mutable_hold(), s.hold());
    }
  }
  for (int i = 0; i < from.dependencies_size(); ++i) {
    progress_->Step(deps_phase, uint64_t(i), uint64_t(from.dependencies_size()));
    const graph::Dependency& d = from.dependencies(i);
    const uint32_t f = remap[d.from()], t = remap[d.to()];
    auto [it, added] = index.dependencies.try_emplace(uint64_t(f) << 32 | t,
                                                      uint32_t(out_.dependencies_size()));
    if (added) {
      graph::Dependency* copy = out_.add_dependencies();
      *copy = d;
      copy->set_from(f);
      copy->set_to(t);
      copy->set_trace(trace(d.trace()));
      copy->set_process(process(d.process()));
      copy->set_runs(std::max<uint32_t>(d.runs(), 1));
      for (uint32_t& g : *copy->mutable_gates()) g = remap[g];
    } else {
      graph::Dependency* mine = out_.mutable_dependencies(int(it->second));
      mine->set_kinds(mine->kinds() | d.kinds());
      mine->set_runs(mine->runs() + std::max<uint32_t>(d.runs(), 1));
      // A gate survives only if every run that made the dependency held it;
      // two runs are two threads.
      auto* gates = mine->mutable_gates();
      for (int k = gates->size(); k-- > 0;) {
        const bool kept = std::any_of(d.gates().begin(), d.gates().end(),
                                      [&](uint32_t g) { return remap[g] == gates->Get(k); });
        if (!kept) gates->erase(gates->begin() + k);
      }
      mine->set_thread(0);
    }
  }
  for (const graph::Chain& chain : from.chains()) {
    graph::Chain* copy = out_.add_chains();
    *copy = chain;
    for (uint32_t& c : *copy->mutable_classes()) c = remap[c];
  }
  graph::Stats* s = out_.mutable_stats();
  const graph::Stats& o = from.stats();
  s->set_chains(s->chains() + o.chains());
  s->set_stack_traces(s->stack_traces() + o.stack_traces());
  s->set_stack_trace_entries(s->stack_trace_entries() + o.stack_trace_entries());
  s->set_reports(s->reports() + o.reports());
  s->set_validation_off(s->validation_off() || o.validation_off());
  s->set_lock_stat(s->lock_stat() || o.lock_stat());
  s->set_max_lock_depth(std::max(s->max_lock_depth(), o.max_lock_depth()));
}

graph::Graph GraphMerger::Take() {
  std::vector<uint32_t> fd(size_t(out_.classes_size())), bd(size_t(out_.classes_size()));
  for (const graph::Dependency& d : out_.dependencies()) {
    ++fd[d.from()];
    ++bd[d.to()];
  }
  for (int i = 0; i < out_.classes_size(); ++i) {
    out_.mutable_classes(i)->set_forward_deps(fd[size_t(i)]);
    out_.mutable_classes(i)->set_backward_deps(bd[size_t(i)]);
  }
  out_.mutable_stats()->set_classes(uint64_t(out_.classes_size()));
  out_.mutable_stats()->set_dependencies(uint64_t(out_.dependencies_size()));
  index_.reset();
  return std::move(out_);
}

absl::StatusOr<graph::Graph> LoadGraphs(const std::vector<std::string>& paths,
                                        Progress* progress, uint64_t* kept_apart) {
  if (kept_apart != nullptr) *kept_apart = 0;
  if (paths.empty()) return absl::InvalidArgumentError("no graph file given");
  if (paths.size() == 1) {
    // Nothing to merge: the file as written, its processes naming it.
    progress->Phase(absl::StrCat("reading ", paths[0]));
    absl::StatusOr<graph::Graph> g = ReadGraphFile(paths[0]);
    if (g.ok()) {
      for (graph::Process& p : *g->mutable_processes()) {
        if (p.path().empty()) p.set_path(paths[0]);
      }
    }
    return g;
  }
  GraphMerger merger(progress);
  for (const std::string& path : paths) {
    progress->Phase(absl::StrCat("reading ", path));
    absl::StatusOr<graph::Graph> g = ReadGraphFile(path);
    if (!g.ok()) return g.status();
    merger.Add(*g, path);
  }
  if (kept_apart != nullptr) *kept_apart = merger.kept_apart();
  return merger.Take();
}

}  // namespace lockdep::tools
