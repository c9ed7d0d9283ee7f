#include "tools/verbs.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "runtime/export/graph_file.h"
#include "runtime/export/graph_text.h"
#include "tools/graph_diff.h"
#include "tools/graph_dot.h"
#include "tools/graph_html.h"
#include "tools/graph_merge.h"
#include "tools/graph_search.h"

extern char** environ;

namespace lockdep::tools {

namespace {

void Print(std::FILE* out, absl::string_view text) {
  std::fwrite(text.data(), 1, text.size(), out);
}

std::string ClassWithKey(const graph::LockClass& c) {
  return absl::StrCat(GraphClassName(c), " [", KeyLocationString(c.key()), "]");
}

std::string ProcessName(const graph::Graph& g, uint32_t process) {
  if (process == 0 || process > uint32_t(g.processes_size())) return "?";
  const graph::Process& p = g.processes(int(process - 1));
  std::string s = absl::StrCat(p.program(), " pid ", p.pid());
  if (!p.path().empty()) absl::StrAppend(&s, ", ", p.path());
  return s;
}

// One dependency with where it was taken and the stack that created it.
void AppendDependency(std::string* out, const graph::Graph& g, uint32_t index,
                      const VerbOptions& o) {
  const graph::Dependency& d = g.dependencies(int(index));
  absl::StrAppendFormat(out, "  %s -> %s [%s], seen in %s", GraphClassName(g.classes(int(d.from()))),
                        GraphClassName(g.classes(int(d.to()))), DependencyKinds(d.kinds()),
                        ProcessName(g, d.process()));
  if (d.runs() > 1) absl::StrAppend(out, " and ", d.runs() - 1, " more run(s)");
  absl::StrAppend(out, ":\n");
  AppendGraphTrace(out, g, d.trace(), 6, o.internal_frames);
}

// The classes --mark names, each as FindClasses takes it.
absl::StatusOr<std::vector<uint32_t>> Marked(const graph::Graph& g, const std::string& mark) {
  std::vector<uint32_t> out;
  for (absl::string_view spec : absl::StrSplit(mark, ',', absl::SkipEmpty())) {
    absl::StatusOr<std::vector<uint32_t>> found = FindClasses(g, spec);
    if (!found.ok()) return found.status();
    out.insert(out.end(), found->begin(), found->end());
  }
  return out;
}

absl::StatusOr<graph::Graph> Load(const std::vector<std::string>& files, Progress* progress) {
  if (files.empty()) return absl::InvalidArgumentError("no graph file given (lockgraph --help)");
  uint64_t kept_apart = 0;
  absl::StatusOr<graph::Graph> g = LoadGraphs(files, progress, &kept_apart);
  if (g.ok() && kept_apart > 0) {
    // Said, not merged: merging could invent a cycle no run took.
    std::fprintf(stderr,
                 "lockgraph: note: %llu lock class(es) of registered heap keys share a name "
                 "with one of another run and were kept apart: nothing tells that they are "
                 "one class\n",
                 static_cast<unsigned long long>(kept_apart));
  }
  return g;
}

absl::StatusOr<std::string> Dot(const graph::Graph& g, const VerbOptions& o, Progress* progress) {
  GraphIndex index(g);
  DotOptions dot;
  dot.cycles_only = o.cycles_only;
  dot.legend = true;
  absl::StatusOr<std::vector<uint32_t>> marked = Marked(g, o.mark);
  if (!marked.ok()) return marked.status();
  dot.marked.resize(size_t(g.classes_size()));
  for (uint32_t c : *marked) dot.marked[c] = true;
  if (!o.around.empty()) {
    absl::StatusOr<std::vector<uint32_t>> centre = FindClasses(g, o.around);
    if (!centre.ok()) return centre.status();
    dot.keep = Neighbourhood(index, *centre, o.depth);
  }
  return GraphDot(index, FindCycles(index, size_t(o.max_cycles), progress), dot);
}

// Runs Graphviz: dot -Tsvg -o OUT, the DOT text on its stdin.
absl::Status RenderSvg(const std::string& dot_text, const std::string& output) {
  if (output.empty()) return absl::InvalidArgumentError("svg needs -o OUT.svg");
  int fds[2];
  if (pipe(fds) != 0) return absl::InternalError(std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::string out_flag = "-o" + output;
  char* argv[] = {const_cast<char*>("dot"), const_cast<char*>("-Tsvg"), out_flag.data(), nullptr};
  pid_t pid;
  const int err = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[0]);
  if (err != 0) {
    close(fds[1]);
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run Graphviz's dot (", std::strerror(err), "): install graphviz"));
  }
  size_t done = 0;
  while (done < dot_text.size()) {
    ssize_t n = write(fds[1], dot_text.data() + done, dot_text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += size_t(n);
  }
  close(fds[1]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("dot -Tsvg failed writing ", output));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Html(const graph::Graph& g, const std::vector<std::string>& files,
                         const VerbOptions& o, Progress* progress) {
  GraphIndex index(g);
  ViewOptions view;
  view.title = absl::StrJoin(files, " + ");
  view.depth = o.depth;
  if (!o.around.empty()) {
    absl::StatusOr<std::vector<uint32_t>> centre = FindClasses(g, o.around);
    if (!centre.ok()) return centre.status();
    view.around = GraphClassName(g.classes(int(centre->front())));
  }
  absl::StatusOr<std::vector<uint32_t>> marked = Marked(g, o.mark);
  if (!marked.ok()) return marked.status();
  view.marked = *marked;
  const CycleSearch cycles = FindCycles(index, size_t(o.max_cycles), progress);
  progress->Phase(absl::StrCat("writing ", o.output));
  if (absl::Status s = WriteTextFile(o.output, GraphHtml(index, cycles, view)); !s.ok()) return s;
  return 0;
}

absl::StatusOr<int> Cycles(const graph::Graph& g, const VerbOptions& o, Progress* progress,
                           std::FILE* out) {
  GraphIndex index(g);
  const CycleSearch search = FindCycles(index, size_t(o.max_cycles), progress);
  std::string text;
  size_t shown = 0, hidden = 0;
  for (size_t i = 0; i < search.cycles.size(); ++i) {
    const std::vector<uint32_t>& cycle = search.cycles[i];
    const CycleContext context = ContextOfCycle(g, cycle);
    if (o.hide_gated && !context.gates.empty()) {
      ++hidden;
      continue;
    }
    std::vector<std::string> names;
    for (uint32_t e : cycle) names.push_back(GraphClassName(g.classes(int(g.dependencies(int(e)).from()))));
    names.push_back(names.front());
    absl::StrAppend(&text, "cycle ", ++shown, ": ", absl::StrJoin(names, " -> "), "\n");
    if (!context.gates.empty()) {
      std::vector<std::string> gates;
      for (uint32_t c : context.gates) gates.push_back(GraphClassName(g.classes(int(c))));
      absl::StrAppend(&text, "  gated by ", absl::StrJoin(gates, " and "),
                      ": every dependency was taken holding it\n");
    }
    if (context.thread != 0) {
      absl::StrAppend(&text, "  one thread: every dependency was taken by thread ",
                      context.thread, "\n");
    }
    for (uint32_t e : cycle) AppendDependency(&text, g, e, o);
    text += "\n";
  }
  if (search.cycles.empty()) {
    absl::StrAppend(&text, "no cycles in ", g.classes_size(), " classes and ",
                    g.dependencies_size(), " dependencies\n");
  } else {
    absl::StrAppend(&text, shown, " cycle(s)",
                    search.truncated ? " shown (stopped at --max-cycles)" : "", "; ",
                    search.dependencies_on_cycles, " dependencies lie on cycles\n");
  }
  if (hidden > 0) absl::StrAppend(&text, hidden, " gated cycle(s) hidden (--hide-gated)\n");
  Print(out, text);
  return shown == 0 ? 0 : 1;
}

absl::StatusOr<int> Diff(const std::vector<std::string>& args, const VerbOptions& o,
                         Progress* progress, std::FILE* out) {
  if (args.size() != 2) return absl::InvalidArgumentError("diff needs BASE NEW");
  absl::StatusOr<graph::Graph> base = Load({args[0]}, progress);
  if (!base.ok()) return base.status();
  absl::StatusOr<graph::Graph> now = Load({args[1]}, progress);
  if (!now.ok()) return now.status();
  const GraphDiff diff = DiffGraphs(*base, *now);
  std::string text;
  for (uint32_t c : diff.new_classes) absl::StrAppend(&text, "+ class ", ClassWithKey(now->classes(int(c))), "\n");
  for (size_t i = 0; i < diff.new_dependencies.size(); ++i) {
    text += "+ dependency";
    AppendDependency(&text, *now, diff.new_dependencies[i], o);
    if (diff.base_kinds[i] != 0) {
      absl::StrAppend(&text, "    (", args[0], " had it only as [",
                      DependencyKinds(diff.base_kinds[i]), "])\n");
    }
  }
  const size_t added_classes = diff.new_classes.size(), added_deps = diff.new_dependencies.size();
  absl::StrAppend(&text, args[1], " adds ", added_classes, " class(es) and ", added_deps,
                  " dependenc", added_deps == 1 ? "y" : "ies", " to ", args[0], "\n");
  Print(out, text);
  return added_classes + added_deps > 0 ? 1 : 0;
}

absl::StatusOr<int> Path(const std::vector<std::string>& args, const VerbOptions& o,
                         Progress* progress, std::FILE* out) {
  if (args.size() != 3) return absl::InvalidArgumentError("path needs FILE A B");
  absl::StatusOr<graph::Graph> g = Load({args[0]}, progress);
  if (!g.ok()) return g.status();
  absl::StatusOr<std::vector<uint32_t>> a = FindClasses(*g, args[1]);
  if (!a.ok()) return a.status();
  absl::StatusOr<std::vector<uint32_t>> b = FindClasses(*g, args[2]);
  if (!b.ok()) return b.status();
  GraphIndex index(*g);
  const std::vector<uint32_t> path = ShortestPath(index, *a, *b);
  std::string text;
  if (path.empty()) {
    absl::StrAppend(&text, "no dependency chain from ", args[1], " to ", args[2], "\n");
    Print(out, text);
    return 1;
  }
  absl::StrAppend(&text, args[1], " comes before ", args[2], " through ", path.size(),
                  " dependenc", path.size() == 1 ? "y" : "ies", ":\n");
  for (uint32_t e : path) AppendDependency(&text, *g, e, o);
  Print(out, text);
  return 0;
}

// Each verb that reads the union of its files, as a handler over it.
using UnionHandler = absl::StatusOr<int> (*)(const graph::Graph& g,
                                             const std::vector<std::string>& files,
                                             const VerbOptions& o, Progress* progress,
                                             std::FILE* out);

absl::StatusOr<int> TextVerb(const graph::Graph& g, const std::vector<std::string>&,
                             const VerbOptions&, Progress*, std::FILE* out) {
  Print(out, GraphText(g));
  return 0;
}

absl::StatusOr<int> StatVerb(const graph::Graph& g, const std::vector<std::string>&,
                             const VerbOptions&, Progress*, std::FILE* out) {
  Print(out, LockStatText(g));
  return 0;
}

absl::StatusOr<int> JsonVerb(const graph::Graph& g, const std::vector<std::string>&,
                             const VerbOptions&, Progress*, std::FILE* out) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  google::protobuf::util::MessageToJsonString(g, &json, options);
  Print(out, json);
  return 0;
}

absl::StatusOr<int> MergeVerb(const graph::Graph& g, const std::vector<std::string>&,
                              const VerbOptions& o, Progress* progress, std::FILE*) {
  progress->Phase(absl::StrCat("writing ", o.output));
  if (absl::Status s = WriteGraphFile(o.output, g); !s.ok()) return s;
  return 0;
}

absl::StatusOr<int> CyclesVerb(const graph::Graph& g, const std::vector<std::string>&,
                               const VerbOptions& o, Progress* progress, std::FILE* out) {
  return Cycles(g, o, progress, out);
}

absl::StatusOr<int> HtmlVerb(const graph::Graph& g, const std::vector<std::string>& files,
                             const VerbOptions& o, Progress* progress, std::FILE*) {
  return Html(g, files, o, progress);
}

absl::StatusOr<int> DotVerb(const graph::Graph& g, const std::vector<std::string>&,
                            const VerbOptions& o, Progress* progress, std::FILE* out) {
  absl::StatusOr<std::string> dot = Dot(g, o, progress);
  if (!dot.ok()) return dot.status();
  Print(out, *dot);
  return 0;
}

absl::StatusOr<int> SvgVerb(const graph::Graph& g, const std::vector<std::string>&,
                            const VerbOptions& o, Progress* progress, std::FILE*) {
  absl::StatusOr<std::string> dot = Dot(g, o, progress);
  if (!dot.ok()) return dot.status();
  if (absl::Status s = RenderSvg(*dot, o.output); !s.ok()) return s;
  return 0;
}

// The one table of verbs: name, usage lines, whether -o is required, and the
// handler (over the union of the files, or over its own arguments). A new
// verb is one row here plus its handler; --help is made from the rows.
struct VerbSpec {
  const char* name;
  const char* usage;  // its lines in --help, indented two spaces
  bool needs_output;
  UnionHandler over_union;  // or:
  absl::StatusOr<int> (*over_args)(const std::vector<std::string>& args,
                                   const VerbOptions& o, Progress* progress, std::FILE* out);
};

constexpr VerbSpec kVerbs[] = {
    {"text", "text FILE...              kernel-style listing (/proc/lockdep, chains, stats)\n",
     false, TextVerb, nullptr},
    {"json", "json FILE...              the graph as JSON\n", false, JsonVerb, nullptr},
    {"dot",
     "dot FILE...               Graphviz DOT with a legend, cycles in red\n"
     "    [--around=CLASS] [--depth=N] [--cycles-only]\n"
     "    [--mark=CLASS,...]    classes to fill in orange (a report's)\n",
     false, DotVerb, nullptr},
    {"svg", "svg FILE... -o OUT.svg    the DOT rendered by Graphviz's dot (same flags)\n", true,
     SvgVerb, nullptr},
    {"html",
     "html FILE... -o OUT.html  an interactive page: search, neighbourhoods,\n"
     "    [--around=CLASS]      cycles, stacks; one file, nothing fetched\n"
     "    [--depth=N] [--mark=CLASS,...]\n",
     true, HtmlVerb, nullptr},
    {"merge", "merge -o OUT FILE...      write the union as one graph file\n", true, MergeVerb,
     nullptr},
    {"cycles",
     "cycles FILE...            deadlock cycles of the union with the traces of\n"
     "    [--max-cycles=N]      their dependencies, each marked when gated by a\n"
     "    [--hide-gated]        common lock or taken by one thread; exit 1 when\n"
     "                          any is shown\n",
     false, CyclesVerb, nullptr},
    {"diff",
     "diff BASE NEW             classes and dependencies NEW adds (or makes\n"
     "                          stronger); exit 1 when any\n",
     false, nullptr, Diff},
    {"path",
     "path FILE A B             the shortest dependency chain A -> ... -> B; exit 1\n"
     "                          when there is none\n",
     false, nullptr, Path},
    {"stat", "stat FILE...              lock_stat figures, by total wait time\n", false,
     StatVerb, nullptr},
};

}  // namespace

std::string LockgraphUsage() {
  std::string usage =
      "usage: lockgraph VERB [flags] FILE...\n"
      "Reads lock graphs written by LOCKDEP_OPTIONS=dump_graph=PATH; several files\n"
      "are read as their union.\n"
      "\n";
  for (const VerbSpec& v : kVerbs) {
    for (absl::string_view line : absl::StrSplit(v.usage, '\n', absl::SkipEmpty())) {
      absl::StrAppend(&usage, "  ", line, "\n");
    }
  }
  absl::StrAppend(&usage,
                  "  --internal_frames=1       cycles, diff, path: also the frames reports hide\n"
                  "\n"
                  "Classes are named as reports name them: NAME, NAME/SUBCLASS, or\n"
                  "NAME@FILE:LINE. Exit status 2 (one line on stderr): unreadable, truncated or\n"
                  "foreign files, bad flags, unknown class names.\n");
  return usage;
}

absl::StatusOr<int> RunVerb(absl::string_view verb, const std::vector<std::string>& args,
                            const VerbOptions& o, std::FILE* out) {
  const VerbSpec* spec = nullptr;
  for (const VerbSpec& v : kVerbs) {
    if (verb == v.name) spec = &v;
  }
  if (spec == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown verb '", verb, "' (lockgraph --help lists them)"));
  }
  if (spec->needs_output && o.output.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(verb, " needs -o OUT"));
  }
  // Checked before any file is read: a bad number is not worth a long load.
  if (o.max_cycles < 0) return absl::InvalidArgumentError("--max-cycles must be 0 or more");
  if (verb == "cycles" && o.max_cycles == 0) {
    return absl::InvalidArgumentError("cycles: --max-cycles must be 1 or more");
  }
  if (o.depth < 0) return absl::InvalidArgumentError("--depth must be 0 or more");
  Progress progress;
  if (spec->over_args != nullptr) return spec->over_args(args, o, &progress, out);
  absl::StatusOr<graph::Graph> g = Load(args, &progress);
  if (!g.ok()) return g.status();
  return spec->over_union(*g, args, o, &progress, out);
}

}  // namespace lockdep::tools
