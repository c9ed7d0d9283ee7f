// What the validator found, as plain data: the records detection fills in
// (under the graph lock, from its tables) and the report renderers read
// (lock_reports.h, report_writer.h). Nothing here points into the graph, so
// rendering needs no lock and no knowledge of how the graph is kept, as
// LLVM's DDReport separates its detector from TSan's report text.
#ifndef LOCKDEP_RUNTIME_REPORTS_FINDINGS_H_
#define LOCKDEP_RUNTIME_REPORTS_FINDINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lockdep {

// A lock as a report line shows it (Linux's print_lock()).
struct LockRecord {
  const void* address = nullptr;
  std::string class_name;   // "name", or "name/2" for subclass 2
  std::string usage;        // the class's usage summary, "{+.+.}"
  int read = 0;             // 0 exclusive, 1 read, 2 recursive read
  unsigned long ip = 0;     // where it was taken
  std::string description;  // its class's print function's text, or empty
};

// The thread a finding was made on.
struct TaskRecord {
  std::string name;               // "comm/tid"
  std::vector<LockRecord> held;   // outermost first
  std::vector<uintptr_t> stack;   // from the user's frame outwards; empty
                                  // when traces are off
};

// One link of an existing dependency chain: the class taken, and the stack
// that took it while holding the class of the link before.
struct ChainLink {
  std::string class_name;
  std::vector<uintptr_t> stack;
};

// A new dependency prev -> next that closes a cycle: `chain` is the
// existing path next -> ... -> prev, first link first (its first link's
// class is the one after next).
struct CircularFinding {
  TaskRecord task;
  LockRecord next, prev;
  std::vector<ChainLink> chain;
  std::vector<uintptr_t> new_stack;  // the acquisition happening now
  std::string parent_class;          // the class taken just before prev
  bool longer_than_two = false;      // the cycle has more than two classes
  // What held for every dependency of the cycle (graph/edge_context.h):
  // the classes held around all of them, and whether one thread made all.
  std::vector<std::string> gates;
  bool one_thread = false;
};

// A class taken while held. `order` is set when the class declares a lock
// order (lockdep_set_lock_cmp_fn) and then holds what it returned.
struct RecursiveFinding {
  TaskRecord task;
  LockRecord next, prev;
  std::optional<int> order;
  std::string key_origin;  // how the class came to be one (KeyOrigin()), or empty
};

// A lock used uninitialised or after destroy (`action`: "acquire", ...).
struct BadMapFinding {
  TaskRecord task;
  const void* map = nullptr;
  std::string class_name;  // empty when the map has no name
  std::string action;
  bool destroyed = false;
  std::string freed_text;  // where it was destroyed or freed (freed_memory.h)
};

// A lock whose key is neither static nor registered.
struct UnregisteredKeyFinding {
  TaskRecord task;
  const void* map = nullptr;
  const void* key = nullptr;
  std::string class_name;
};

// A release (`what`: "release", "downgrade") of a lock not held.
struct BadUnlockFinding {
  TaskRecord task;
  std::string class_name;
  std::string what;
  unsigned long ip = 0;
};

// Memory freed or a lock destroyed while held: `held` when this thread holds
// it (in [from, from+len)), else another thread does.
struct HeldLockFreedFinding {
  TaskRecord task;
  std::optional<LockRecord> held;
  const void* from = nullptr;
  unsigned long len = 0;
  const void* map = nullptr;
  std::string class_name;
};

// A lock taken under a nest_lock the thread does not hold.
struct NestNotHeldFinding {
  TaskRecord task;
  LockRecord next;
  std::string nest_class;
};

// A chain key cached for a different held sequence (check_chains=1).
struct ChainKeyCollisionFinding {
  TaskRecord task;
  LockRecord next;
  uint64_t key = 0;
};

// Locks held where none may be (`why`: "is exiting", ...).
struct LocksHeldFinding {
  TaskRecord task;
  std::string why;
};

// An assertion about a lock that failed (lockdep_assert_*) or a misuse a
// primitive found (lockdep_report_misuse).
struct AssertFinding {
  TaskRecord task;
  const void* map = nullptr;   // nullptr when the assertion names no lock
  std::string class_name;
  std::string expectation;     // "must hold ...", or the misuse's detail
  std::string expr;            // the asserted expression, for asserts
  unsigned long ip = 0;
};

// A class as the irq reports name it: "(name){usage}".
struct ClassRecord {
  std::string name;
  std::string usage;
};

// One dependency of a path, with the stack that made it.
struct DependencyRecord {
  ClassRecord from, to;
  std::vector<uintptr_t> stack;
};

// A class used in an irq context and with that irq enabled.
struct InconsistentFinding {
  TaskRecord task;
  std::string context;  // the irq state, "[HC1[1]:SC0[0]:HE0:SE1]"
  LockRecord lock;
  std::string old_usage, new_usage;  // "IN-HARDIRQ-W", "HARDIRQ-ON-W", ...
  std::vector<uintptr_t> old_usage_stack;
};

// A class's new irq usage conflicts with a class connected to it. forwards:
// `lock` (now used in the irq) took `other` (irq-unsafe) in the past;
// otherwise `other` (irq-safe) took `lock` (now irq-unsafe).
struct IrqInversionFinding {
  TaskRecord task;
  std::string context;
  LockRecord lock;
  std::string state;  // "HARDIRQ" or "SOFTIRQ"
  bool forwards = false;
  ClassRecord other;
  std::vector<DependencyRecord> path;
};

// A new dependency prev -> next connecting an irq-safe class to an
// irq-unsafe one.
struct SafeToUnsafeFinding {
  TaskRecord task;
  std::string context;
  LockRecord next, prev;
  ClassRecord prev_class, next_class;
  std::string state;
  ClassRecord safe, unsafe;
  std::vector<uintptr_t> safe_stack, unsafe_stack;  // where each became so
};

// A sleeping call in atomic context (might_sleep()).
struct SleepInAtomicFinding {
  TaskRecord task;
  std::string file;
  int line = 0;
  bool in_atomic = false, irqs_disabled = false, in_irq = false, in_softirq = false;
  unsigned bh_disabled = 0;
  long pid = 0;
  int spinning = 0;               // spinning locks held
  std::vector<std::string> spinning_classes;
};

// lockdep_assert_irqs_enabled()/_disabled() failed.
struct IrqAssertFinding {
  TaskRecord task;
  bool want_enabled = false;
  bool irqs_off = false;
  unsigned long ip = 0;
};

// WARN_ON()/BUG_ON() fired in core/.
struct KernelWarningFinding {
  TaskRecord task;
  bool bug = false;
  int cpu = 0;
  long pid = 0;
  std::string file, function, condition;
  int line = 0;
  unsigned long ip = 0;
};

// A class of a cycle through waits: a lock or an event, with the verbs a
// scenario uses for an event ("wait_for_completion", "complete").
struct WaitClassRecord {
  std::string name;
  bool event = false;
  std::string wait_verb, signal_verb;
};

// One dependency of such a cycle, with the stack that made it.
struct WaitDependencyRecord {
  WaitClassRecord from, to;
  std::vector<uintptr_t> stack;
};

// A new dependency from -> to (a lock held around a wait, or what a signal
// had to take first) closes a cycle through an event: `chain` is the
// existing path to -> ... -> from. `doing`: "signal", "wait for" or
// "acquire". `held`: from as this thread holds it, when it does.
struct CircularWaitFinding {
  TaskRecord task;
  std::string doing;
  WaitClassRecord from, to;
  std::optional<LockRecord> held;
  std::vector<WaitDependencyRecord> chain;
  std::vector<uintptr_t> new_stack;
};
// A real deadlock the confirmation run's watch saw: each thread waits for a
// lock the next one holds, the last for the first's.
struct DeadlockConfirmedFinding {
  struct Thread {
    std::string task;
    LockRecord pending;            // the lock it waits for (no usage)
    std::vector<LockRecord> held;  // outermost first (no usage)
    std::vector<uintptr_t> stack;  // where it waits, when captured
  };
  std::vector<Thread> threads;
  int cycle = 0;           // the predicted cycle it is (1-based), or 0
  std::string cycle_text;  // that cycle, as `lockgraph cycles` prints it
  std::string cycles_path; // the graph file steered by ("" without steering)
  int seed = 0;
  std::string program;     // for the replay command
  int exit_status = 0;
};
}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_REPORTS_FINDINGS_H_
