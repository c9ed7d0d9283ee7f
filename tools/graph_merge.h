// The union of lock graphs from many runs or binaries: classes are the same
// when their identity and subclass are (LockClass.identity: never an address
// that means nothing outside its run; graphs written before identities
// existed: name, key location and subclass), dependencies when both ends
// are; kinds and usage are OR-ed, the first trace is kept, and `runs` counts
// the inputs that had each dependency. An input whose runs are all in the
// union already (a file given twice, a merged file and one of its parts) is
// skipped, so that it changes nothing.
#ifndef LOCKDEP_TOOLS_GRAPH_MERGE_H_
#define LOCKDEP_TOOLS_GRAPH_MERGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/export/lockgraph.pb.h"
#include "tools/progress.h"

namespace lockdep::tools {

// The identity of a class across processes. Never equal for two classes
// that were two classes in one process.
std::string ClassIdentity(const graph::LockClass& c);

// Reads every file and returns their union (one file: that graph, its
// processes naming the file). The first unreadable, truncated or foreign file
// is the error. Cost: linear in the inputs' sizes.
// `kept_apart`, when given, receives GraphMerger::kept_apart().
absl::StatusOr<graph::Graph> LoadGraphs(const std::vector<std::string>& paths,
                                        Progress* progress, uint64_t* kept_apart = nullptr);

// Builds unions incrementally. Cost per Add: linear in `from`.
class GraphMerger {
 public:
  explicit GraphMerger(Progress* progress) : progress_(progress) {}
  // Adds `from`; `path` is recorded in its processes when they have none.
  void Add(const graph::Graph& from, const std::string& path);
  // The union; the merger is spent afterwards.
  graph::Graph Take();
  // Run-local classes (LockClass.run_local) of different runs that share a
  // name and subclass: kept apart, since nothing says they are one class.
  uint64_t kept_apart() const { return kept_apart_; }

 private:
  struct Index;
  Progress* progress_;
  graph::Graph out_;
  std::shared_ptr<Index> index_;
  uint64_t kept_apart_ = 0;
};

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_GRAPH_MERGE_H_
