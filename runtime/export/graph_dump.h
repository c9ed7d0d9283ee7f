// Writing this process's lock graph: LOCKDEP_OPTIONS=dump_graph / dump_text do
// it at exit; these calls do it on demand. The file format is
// runtime/export/graph_file.h; //tools:lockgraph reads it.
//
// Every call copies the graph under the graph lock and does the slow part
// (symbolising, locating keys, writing) outside it, so other threads keep
// locking meanwhile. Costs: milliseconds to tens of milliseconds per call.
#ifndef LOCKDEP_RUNTIME_GRAPH_DUMP_H_
#define LOCKDEP_RUNTIME_GRAPH_DUMP_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "runtime/export/lockgraph.pb.h"

namespace lockdep {

// `path` with each "%p" replaced by this process's pid.
std::string ExpandDumpPath(absl::string_view path);

// The lock graph learnt so far (classes, dependencies with their traces,
// statistics, lock_stat figures when on), symbolised.
graph::Graph CurrentGraph();

// Writes CurrentGraph() to `path` ("%p" = pid) as a graph file, atomically.
// Error (the file is then untouched): the path and the reason, e.g.
// "cannot write /no/such/dir/g.pb: No such file or directory".
absl::Status DumpGraph(absl::string_view path);
// Writes the kernel-style text listing (runtime/export/graph_text.h) to `path`.
absl::Status DumpText(absl::string_view path);

// Keeps the union of the graphs seen at each Record(), so that a test binary
// whose fixtures call ResetForTesting() between tests still writes the graph
// of all its tests. Not thread-safe: one owner records and writes.
class GraphRecorder {
 public:
  GraphRecorder() = default;
  GraphRecorder(const GraphRecorder&) = delete;
  GraphRecorder& operator=(const GraphRecorder&) = delete;
  // Stops recording before resets, if this recorder was doing it.
  ~GraphRecorder();

  // Adds the current graph. Cost: a snapshot (copy under the graph lock).
  // `wait_for_lock` false only on an abort path, where this thread may
  // already hold the graph lock (see TakeGraphSnapshot).
  void Record(bool wait_for_lock = true);
  // From now on, also records just before every ResetForTesting() (which a
  // fixture's TearDown may call, erasing what its test learnt). At most one
  // recorder does this; the recorder must live until the process ends.
  void RecordBeforeEachReset();
  // Records once more and writes the union to `path` ("%p" = pid).
  absl::Status Write(absl::string_view path, bool wait_for_lock = true);

 private:
  struct State;
  State* state_ = nullptr;
};

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_GRAPH_DUMP_H_
