// The union of lock graphs from many runs or binaries: classes are the same
// when name, key location and subclass are (never by address), dependencies
// when both ends are; kinds and usage are OR-ed, the first trace is kept, and
// `runs` counts the inputs that had each dependency.
#ifndef LOCKDEP_TOOLS_GRAPH_MERGE_H_
#define LOCKDEP_TOOLS_GRAPH_MERGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/lockgraph.pb.h"
#include "tools/progress.h"

namespace lockdep::tools {

// The identity of a class across processes.
std::string ClassIdentity(const graph::LockClass& c);

// Reads every file and returns their union (one file: that graph, its
// processes naming the file). The first unreadable, truncated or foreign file
// is the error. Cost: linear in the inputs' sizes.
absl::StatusOr<graph::Graph> LoadGraphs(const std::vector<std::string>& paths,
                                        Progress* progress);

// Builds unions incrementally. Cost per Add: linear in `from`.
class GraphMerger {
 public:
  explicit GraphMerger(Progress* progress) : progress_(progress) {}
  // Adds `from`; `path` is recorded in its processes when they have none.
  void Add(const graph::Graph& from, const std::string& path);
  // The union; the merger is spent afterwards.
  graph::Graph Take();

 private:
  struct Index;
  Progress* progress_;
  graph::Graph out_;
  std::shared_ptr<Index> index_;
};

}  // namespace lockdep::tools

#endif  // LOCKDEP_TOOLS_GRAPH_MERGE_H_
