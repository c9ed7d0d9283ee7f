// The dma-buf examples, one at a time:
//   ./bazelw run //examples/dma_buf -- --scenario=NAME
// Without a flag, lists the scenarios. Reports go to stderr; the exit status
// is 66 when one was made (LOCKDEP_OPTIONS exitcode), else the scenario's.
// ./bazelw run //examples:tour runs every scenario and checks each outcome.
#include <cstdio>
#include <cstring>

#include "examples/scenario.h"

int main(int argc, char** argv) {
  const std::vector<examples::Scenario> scenarios = examples::DmaBufScenarios();
  const char* want = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--scenario=", 11) == 0) want = argv[i] + 11;
  }
  for (const examples::Scenario& s : scenarios) {
    if (want == nullptr) {
      std::printf("--scenario=%-32s %s\n", s.name, s.title);
    } else if (std::strcmp(want, s.name) == 0) {
      examples::Say(std::string(s.title) + "\n" + s.story + "\n\n");
      return s.run();
    }
  }
  if (want != nullptr) {
    std::fprintf(stderr,
                 "unknown scenario '%s'; run without flags for the list\n",
                 want);
    return 2;
  }
  return 0;
}
