// One scenario of the examples: a piece of "driver" code that shows one
// thing lockdep finds (or, for the clean ones, that a correct design stays
// silent), the report it must produce, and how to run it. The tour runs each
// in a child process of its own and checks the child's real output.
#ifndef LOCKDEP_EXAMPLES_SCENARIO_H_
#define LOCKDEP_EXAMPLES_SCENARIO_H_

#include <string>
#include <vector>

#include "runtime/report.h"

namespace examples {

struct Scenario {
  const char* name;   // command-line name: --scenario=<name>
  const char* title;  // one line
  const char* story;  // what the code does and why it is (or is not) a bug
  // The reports the run must make, each exactly once (at least once with
  // repeats_ok); empty: none at all.
  std::vector<lockdep::ReportKind> expected;
  // Text the output must also contain (e.g. the stack of a kfree()), or "".
  const char* must_contain;
  // Extra LOCKDEP_OPTIONS for the run (e.g. "ww_inject=3"), or "".
  const char* options;
  // Runs the scenario in this process; returns 0, or 1 when the scenario's
  // own checks failed (e.g. a back-off it should have exercised never came).
  int (*run)();
  // Each expected kind may come more than once: one bug reached by several
  // paths whose order the threads' timing decides (each report is a true
  // cycle of its own classes), so how many are found first varies.
  bool repeats_ok = false;
};

// The scenarios of each example, in the order the tour shows them.
std::vector<Scenario> BasicScenarios();   // examples/basics.cc
std::vector<Scenario> DmaBufScenarios();  // examples/dma_buf/
std::vector<Scenario> DriverScenarios();  // examples/ipw_driver/
std::vector<Scenario> GpuScenarios();     // examples/fakegpu/

// Prints and flushes at once, so that the text interleaves correctly with the
// reports the runtime writes to stderr.
void Say(const std::string& text);

}  // namespace examples

#endif  // LOCKDEP_EXAMPLES_SCENARIO_H_
