// LOCKDEP_OPTIONS=dump_graph=PATH / dump_text=PATH: checked at start-up,
// written at exit (process_exit.cc) or just before a halt_on_report abort
// (report_log.cc). Under `bazel test` (TEST_UNDECLARED_OUTPUTS_DIR set), the
// graph of every process, recorded before each ResetForTesting(), also goes
// there as lockdep_graph.<pid>.pb, for `lockgraph merge` over a test run.
#ifndef LOCKDEP_RUNTIME_DUMP_OPTIONS_H_
#define LOCKDEP_RUNTIME_DUMP_OPTIONS_H_

namespace lockdep {

// Prints one line per dump path whose directory does not exist or cannot be
// written (that dump is then skipped at exit), and starts recording for the
// test outputs. Cost: a stat per path.
void CheckDumpOptionsAtStartUp();

// Writes the dumps the options ask for, once per process (later calls do
// nothing). A write error prints one line. `aborting`: called on the
// halt_on_report path, where this thread may hold the graph lock.
void WriteOptionDumps(bool aborting);

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_DUMP_OPTIONS_H_
