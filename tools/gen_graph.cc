// gen_graph OUT CLASSES DEPENDENCIES CYCLES SEED [read_ring]: writes a
// synthetic graph file (tools/synthetic_graph.h), for measuring lockgraph on
// large inputs:
//   gen_graph /tmp/a.pb 100000 1000000 10 1
//   gen_graph /tmp/ring.pb 100000 0 0 1 read_ring
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/export/graph_file.h"
#include "tools/synthetic_graph.h"

int main(int argc, char** argv) {
  if (argc != 6 && !(argc == 7 && std::string(argv[6]) == "read_ring")) {
    std::fprintf(stderr, "usage: gen_graph OUT CLASSES DEPENDENCIES CYCLES SEED [read_ring]\n");
    return 2;
  }
  lockdep::tools::SyntheticSpec spec;
  spec.classes = uint32_t(std::strtoul(argv[2], nullptr, 10));
  spec.dependencies = std::strtoull(argv[3], nullptr, 10);
  spec.cycles = uint32_t(std::strtoul(argv[4], nullptr, 10));
  spec.seed = std::strtoull(argv[5], nullptr, 10);
  spec.read_ring = argc == 7;
  const absl::Status s = lockdep::WriteGraphFile(argv[1], lockdep::tools::SyntheticGraph(spec));
  if (!s.ok()) {
    std::fprintf(stderr, "gen_graph: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  return 0;
}
