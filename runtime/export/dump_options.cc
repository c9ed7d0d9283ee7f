#include "runtime/export/dump_options.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "runtime/export/graph_dump.h"
#include "runtime/export/graph_file.h"
#include "runtime/export/graph_proto.h"
#include "runtime/export/graph_snapshot.h"
#include "runtime/export/graph_text.h"
#include "runtime/base/options.h"
#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

std::atomic<bool> graph_path_ok{true};
std::atomic<bool> text_path_ok{true};
std::atomic<bool> written{false};
// Under `bazel test`: where, and the graphs recorded before each reset.
const char* test_outputs = nullptr;
GraphRecorder* test_recorder = nullptr;

// False (and one line on stderr) when the directory of `path` is missing or
// not writable: better said at start-up than discovered after a long run.
bool CheckPath(const char* option, const std::string& value) {
  const std::string path = ExpandDumpPath(value);
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  struct stat st;
  const char* problem = nullptr;
  if (::stat(dir.c_str(), &st) != 0) {
    problem = "does not exist";
  } else if (!S_ISDIR(st.st_mode)) {
    problem = "is not a directory";
  } else if (::access(dir.c_str(), W_OK) != 0) {
    problem = "is not writable";
  }
  if (problem == nullptr) return true;
  std::fprintf(stderr,
               "lockdep: LOCKDEP_OPTIONS: %s=%s: directory %s %s; the %s will not be "
               "written (create the directory or choose another path)\n",
               option, value.c_str(), dir.c_str(), problem,
               std::strcmp(option, "dump_graph") == 0 ? "lock graph" : "text listing");
  return false;
}

void Say(const char* option, const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "lockdep: %s: %s\n", option, std::string(s.message()).c_str());
  }
}

}  // namespace

void CheckDumpOptionsAtStartUp() {
  const Options& o = GetOptions();
  if (!o.dump_graph.empty()) graph_path_ok = CheckPath("dump_graph", o.dump_graph);
  if (!o.dump_text.empty()) text_path_ok = CheckPath("dump_text", o.dump_text);
  const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  if (dir != nullptr && *dir != '\0') {
    test_outputs = dir;
    test_recorder = new GraphRecorder;  // lives until exit
    test_recorder->RecordBeforeEachReset();
  }
}

void WriteOptionDumps(bool aborting) {
  const Options& o = GetOptions();
  const bool want_graph = !o.dump_graph.empty() && graph_path_ok.load();
  const bool want_text = !o.dump_text.empty() && text_path_ok.load();
  if (!want_graph && !want_text && test_recorder == nullptr) return;
  if (written.exchange(true)) return;
  InValidator inside(CurrentThread());  // see DumpGraph()
  if (test_recorder != nullptr) {
    Say("test outputs", test_recorder->Write(std::string(test_outputs) + "/lockdep_graph.%p.pb",
                                             /*wait_for_lock=*/!aborting));
  }
  if (!want_graph && !want_text) return;
  const graph::Graph g = BuildGraphProto(TakeGraphSnapshot(/*wait_for_lock=*/!aborting));
  if (want_graph) Say("dump_graph", WriteGraphFile(ExpandDumpPath(o.dump_graph), g));
  if (want_text) Say("dump_text", WriteTextFile(ExpandDumpPath(o.dump_text), GraphText(g)));
}

}  // namespace lockdep
