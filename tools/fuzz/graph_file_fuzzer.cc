// libFuzzer target for the graph file reader and everything lockgraph does
// with what it accepts. Each input is tried twice: as a file image (header,
// checksum, message) and as a bare message, since random bytes rarely carry a
// valid checksum and the message checks behind it deserve fuzzing too.
// Built with clang by tools/fuzz/run_fuzzer.sh; graph_file_fuzz_test replays
// the corpus in every Bazel configuration.
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "absl/strings/string_view.h"
#include "runtime/export/graph_file.h"
#include "runtime/export/graph_text.h"
#include "tools/graph_dot.h"
#include "tools/graph_merge.h"
#include "tools/graph_search.h"

namespace {

void UseGraph(const lockdep::graph::Graph& g) {
  lockdep::tools::Progress progress;
  (void)lockdep::GraphText(g);
  (void)lockdep::LockStatText(g);
  lockdep::tools::GraphMerger merger(&progress);
  merger.Add(g, "a");
  merger.Add(g, "b");
  const lockdep::graph::Graph merged = merger.Take();
  lockdep::tools::GraphIndex index(merged);
  const lockdep::tools::CycleSearch cycles = lockdep::tools::FindCycles(index, 8, &progress);
  (void)lockdep::tools::GraphDot(index, cycles, {});
  if (merged.classes_size() > 0) {
    (void)lockdep::tools::ShortestPath(index, {0}, {uint32_t(merged.classes_size() - 1)});
    (void)lockdep::tools::Neighbourhood(index, {0}, 2);
    (void)lockdep::tools::FindClasses(merged, lockdep::GraphClassName(merged.classes(0)));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<lockdep::graph::Graph> g = lockdep::DecodeGraphFile(bytes, "fuzz");
  if (g.ok()) UseGraph(*g);
  lockdep::graph::Graph raw;
  if (raw.ParseFromArray(data, int(size)) && lockdep::ValidateGraph(raw).ok()) UseGraph(raw);
  return 0;
}
