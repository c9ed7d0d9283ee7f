// The steering half of confirmation runs (confirm.h): which acquires stand
// on a target cycle's dependency, how long each waits for the others, and
// what was seen, for the exit summary.
//
// DeadlockFuzzer's second phase, on class names instead of object
// abstractions: a thread at a dependency A -> B of a cycle (holding A, about
// to take B) is held until every other dependency of the cycle has a thread
// standing at it, or until its pause ends. The seed picks which points pause
// (three in four) and how long (half to all of confirm_pause_ms); the OS
// still schedules the rest, so a seed makes a deadlock likely again rather
// than certain.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runtime/confirm/confirm.h"
#include "runtime/confirm/confirm_targets.h"
#include "runtime/confirm/deadlock_watchdog.h"
#include "runtime/base/monotonic_clock.h"
#include "runtime/base/options.h"
#include "runtime/reports/report_output.h"
#include "runtime/graph/finding_records.h"
#include "runtime/base/spin_mutex.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/graph/validator.h"
#include "runtime/confirm/wait_table.h"

namespace lockdep {

std::atomic<bool> g_confirm_on{false};

namespace {

// One target cycle and what the steering saw of it.
struct CycleRun {
  TargetCycle target;
  std::vector<int> classes;  // Targets::classes index per position
  std::atomic<int> waiting[kMaxCycleLength] = {};
  std::atomic<bool> reached[kMaxCycleLength] = {};
  // Pauses at a position that ran out with no other position ever taken:
  // past kLonelyPauses, a program that takes the pair in a loop but never
  // concurrently would pay a pause per pass for nothing.
  std::atomic<int> lonely[kMaxCycleLength] = {};
  std::atomic<uint32_t> released{0};
  std::atomic<int> most_together{0};  // positions occupied at once, at most
  std::atomic<uint64_t> meetings{0};  // times every position was occupied
  std::atomic<uint64_t> pauses{0};    // pauses made at its dependencies
  // Classes held (besides the cycle's own) at every pause at any of its
  // dependencies: Goodlock's gate locks, as this run saw them.
  SpinMutex gate_mu;
  bool gate_known ABSL_GUARDED_BY(gate_mu) = false;
  std::vector<ClassId> gate ABSL_GUARDED_BY(gate_mu);

  int size() const { return int(classes.size()); }
  // A cycle of one class needs two threads at its one dependency.
  bool AllInPlace() const {
    if (size() == 1) return waiting[0].load() >= 2;
    for (int e = 0; e < size(); ++e) {
      if (waiting[e].load() == 0) return false;
    }
    return true;
  }
  int Occupied() const {
    if (size() == 1) return waiting[0].load();
    int n = 0;
    for (int e = 0; e < size(); ++e) n += waiting[e].load() > 0;
    return n;
  }
};

struct Targets {
  std::string path;
  int seed = 1;
  int only = 0;  // confirm_cycle
  int pause_ms = 300;
  uint64_t steer_until_ns = 0;
  std::vector<TargetClass> classes;
  std::vector<std::unique_ptr<CycleRun>> cycles;
  // Per class id: 0 not looked up yet, -1 not a target class, k + 1 classes[k].
  std::unique_ptr<std::atomic<int16_t>[]> class_target;
};

// Set once by StartConfirmation(), before any hook reads it; then read-only
// but for the atomics and guarded fields inside.
Targets* targets = nullptr;

std::atomic<uint32_t> thread_order{0};
__thread uint64_t tls_rng __attribute__((tls_model("initial-exec")));

uint64_t NextRandom() {
  if (tls_rng == 0) {
    const uint64_t order = thread_order.fetch_add(1) + 1;
    tls_rng = (uint64_t(targets->seed) << 32) ^ order * 0x9e3779b97f4a7c15u;
  }
  // splitmix64
  uint64_t z = (tls_rng += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

// The process's thread count (/proc/self/stat), 0 when unknown. About ten
// microseconds; asked only where a pause is about to be made.
int ThreadCount() {
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  // After the command name in parentheses (which may hold spaces), field 20
  // is the thread count: the 18th after the closing parenthesis.
  const char* p = strrchr(buf, ')');
  for (int field = 0; p != nullptr && field < 18; ++field) p = strchr(p + 1, ' ');
  return p ? atoi(p + 1) : 0;
}

int TargetIndexOf(ClassId id) {
  if (id == kNoClass || id > kMaxClasses) return -1;
  std::atomic<int16_t>& cached = targets->class_target[id];
  int16_t v = cached.load(std::memory_order_relaxed);
  if (v != 0) return v < 0 ? -1 : v - 1;
  const LockClass& c = Graph().classes.at(id);
  const TargetClass mine{std::string(c.name, strnlen(c.name, sizeof(c.name))), c.subclass};
  int found = -1;
  for (size_t k = 0; k < targets->classes.size(); ++k) {
    if (targets->classes[k] == mine) found = int(k);
  }
  cached.store(found < 0 ? int16_t(-1) : int16_t(found + 1), std::memory_order_relaxed);
  return found;
}

void NoteGate(CycleRun& run, const ThreadState& ts) {
  std::vector<ClassId> held;
  for (uint32_t i = 0; i < ts.depth; ++i) {
    const int t = TargetIndexOf(ts.held[i].class_id);
    if (std::find(run.classes.begin(), run.classes.end(), t) == run.classes.end() || t < 0) {
      held.push_back(ts.held[i].class_id);
    }
  }
  SpinLock lock(run.gate_mu);
  if (!run.gate_known) {
    run.gate_known = true;
    run.gate = held;
    return;
  }
  std::erase_if(run.gate, [&](ClassId g) {
    return std::find(held.begin(), held.end(), g) == held.end();
  });
}

// Full pauses at a position before it pauses only one time in 16 (the
// seed still decides which), once each of them met nobody.
constexpr int kLonelyPauses = 4;

// Holds this thread at position `e` of `run` until the cycle is in place or
// `pause_ns` passes.
void Pause(CycleRun& run, int e, uint64_t pause_ns) {
  run.reached[e].store(true);
  run.pauses.fetch_add(1);
  const uint32_t generation = run.released.load();
  run.waiting[e].fetch_add(1);
  const uint64_t end = MonotonicNs() + pause_ns;
  int most_here = 0;
  for (;;) {
    const int together = run.Occupied();
    most_here = std::max(most_here, together);
    int most = run.most_together.load();
    while (together > most && !run.most_together.compare_exchange_weak(most, together)) {
    }
    if (run.released.load() != generation) break;
    if (run.AllInPlace()) {
      // The last to arrive lets everyone go at once.
      run.released.fetch_add(1);
      run.meetings.fetch_add(1);
      break;
    }
    if (MonotonicNs() >= end) {
      if (most_here <= 1) run.lonely[e].fetch_add(1);
      break;
    }
    timespec tick{0, 1000000};
    nanosleep(&tick, nullptr);
  }
  run.waiting[e].fetch_sub(1);
}

// Steers the acquire just pushed on `ts`, when it stands on a target
// dependency and the seed says so. True when it paused.
bool Steer(ThreadState& ts, lockdep_map* map) {
  if (targets->cycles.empty() || ts.depth < 2) return false;
  if (MonotonicNs() >= targets->steer_until_ns) return false;
  const HeldLock& next = ts.held[ts.depth - 1];
  if (next.map != map) return false;
  const int b = TargetIndexOf(next.class_id);
  if (b < 0) return false;
  for (uint32_t i = 0; i + 1 < ts.depth; ++i) {
    const int a = TargetIndexOf(ts.held[i].class_id);
    if (a < 0) continue;
    for (size_t c = 0; c < targets->cycles.size(); ++c) {
      if (targets->only != 0 && int(c) + 1 != targets->only) continue;
      CycleRun& run = *targets->cycles[c];
      for (int e = 0; e < run.size(); ++e) {
        if (run.classes[size_t(e)] != a || run.classes[size_t((e + 1) % run.size())] != b) continue;
        NoteGate(run, ts);
        // Alone (the watchdog aside), nobody could come to the other
        // positions: a pause would only slow the program down.
        if (const int threads = ThreadCount(); threads != 0 && threads <= 2) {
          run.reached[e].store(true);
          return false;
        }
        const uint64_t r = NextRandom();
        const bool worn_out = run.lonely[e].load() >= kLonelyPauses && ((r >> 2) & 15) != 0;
        if ((r & 3) == 0 || worn_out) {
          run.reached[e].store(true);
          return false;
        }
        const uint64_t full = uint64_t(targets->pause_ms) * 1000000u;
        Pause(run, e, full / 2 + (r >> 8) % (full / 2 + 1));
        return true;
      }
    }
  }
  return false;
}

std::string ClassListText(const std::vector<ClassId>& ids) {
  std::vector<std::string> names;
  for (ClassId id : ids) names.push_back(ClassName(id));
  return absl::StrJoin(names, ", ");
}

}  // namespace

void StartConfirmation() {
  const Options& o = GetOptions();
  if (o.confirm_cycles.empty() && !o.confirm_watchdog) return;
  auto* t = new Targets;
  t->seed = o.confirm_seed;
  t->only = o.confirm_cycle;
  t->pause_ms = o.confirm_pause_ms;
  t->steer_until_ns = MonotonicNs() + uint64_t(o.confirm_budget_ms) * 1000000u;
  t->class_target.reset(new std::atomic<int16_t>[kMaxClasses + 1]());
  std::string listing;
  if (!o.confirm_cycles.empty()) {
    t->path = o.confirm_cycles;
    absl::StatusOr<TargetCycles> loaded = LoadTargetCycles(o.confirm_cycles);
    if (!loaded.ok()) {
      absl::StrAppend(&listing, "lockdep: confirm: ", loaded.status().message(),
                      "; no cycle to steer into\n");
    } else if (loaded->cycles.empty()) {
      absl::StrAppend(&listing, "lockdep: confirm: no cycles in ", o.confirm_cycles, "\n");
    } else {
      const size_t n = loaded->cycles.size();
      for (size_t c = 0; c < n; ++c) {
        auto run = std::make_unique<CycleRun>();
        run->target = loaded->cycles[c];
        for (const TargetClass& k : run->target.classes) {
          auto it = std::find(t->classes.begin(), t->classes.end(), k);
          if (it == t->classes.end()) it = t->classes.insert(t->classes.end(), k);
          run->classes.push_back(int(it - t->classes.begin()));
        }
        absl::StrAppend(&listing, "lockdep: confirm: cycle ", c + 1, " of ", n, ": ",
                        run->target.Text(), "\n");
        t->cycles.push_back(std::move(run));
      }
      if (loaded->truncated) {
        absl::StrAppend(&listing, "lockdep: confirm: only the ", n,
                        " shortest cycles are steered into\n");
      }
    }
  }
  targets = t;
  if (!listing.empty() && o.verbosity >= 1) WriteReportStream(listing);
  g_confirm_on.store(true, std::memory_order_release);
  SetLockObservers(ConfirmAfterAcquire, ConfirmAfterRelease);
}

void ConfirmAfterAcquire(ThreadState& ts, lockdep_map* map, int trylock, int read,
                         unsigned long ip, uintptr_t hook_return) {
  StartWatchdogOnce();
  if (trylock) {
    PublishWaitState(ts, WaitLock{}, nullptr, 0);
    return;
  }
  const bool paused = Steer(ts, map);
  const HeldLock* top = ts.depth ? &ts.held[ts.depth - 1] : nullptr;
  WaitLock pending{map, top && top->map == map ? top->class_id : kNoClass, uint8_t(read), ip};
  uintptr_t pcs[kWaitStackDepth];
  int n = 0;
  // Only a steered thread's stack: capturing one on every acquire made the
  // watch alone cost four times the validation; the others' reports show
  // where each lock was taken.
  if (paused) n = CaptureFromHook(hook_return, pcs, kWaitStackDepth);
  PublishWaitState(ts, pending, pcs, n);
}

void ConfirmAfterRelease(ThreadState& ts) { PublishWaitState(ts, WaitLock{}, nullptr, 0); }

std::string ConfirmSummary() {
  if (targets == nullptr) return "";
  std::string out;
  for (size_t c = 0; c < targets->cycles.size(); ++c) {
    if (targets->only != 0 && int(c) + 1 != targets->only) continue;
    CycleRun& run = *targets->cycles[c];
    std::vector<std::string> unreached;
    for (int e = 0; e < run.size(); ++e) {
      if (!run.reached[e].load()) {
        const TargetCycle& t = run.target;
        unreached.push_back(absl::StrCat(TargetClassText(t.classes[size_t(e)]), " -> ",
                                         TargetClassText(t.classes[size_t((e + 1) % run.size())])));
      }
    }
    std::vector<ClassId> gate;
    {
      SpinLock lock(run.gate_mu);
      gate = run.gate;
    }
    std::string reason;
    if (unreached.size() == size_t(run.size())) {
      reason = "the program never reached the cycle's dependencies (sites never reached)";
    } else if (!unreached.empty()) {
      reason = absl::StrCat("sites never reached: ", absl::StrJoin(unreached, ", "));
    } else if (!gate.empty()) {
      reason = absl::StrCat("gated by ", ClassListText(gate),
                            " (held at every dependency of the cycle)");
    } else if (run.meetings.load() == 0) {
      const int needed = run.size() == 1 ? 2 : run.size();
      reason = absl::StrCat("the threads never ran concurrently (at most ",
                            std::max(run.most_together.load(), 1), " of the ", needed,
                            " positions of the cycle taken at once; ", run.pauses.load(),
                            " pause(s))");
    } else {
      reason = absl::StrCat("the threads met at the cycle's dependencies ", run.meetings.load(),
                            " time(s) without deadlocking (other lock instances?)");
    }
    absl::StrAppend(&out, "lockdep: confirm: cycle ", c + 1, " not reproduced (seed ",
                    targets->seed, "): ", reason, "\n");
  }
  return out;
}

int TargetCycleOf(const std::vector<ClassId>& classes) {
  if (targets == nullptr) return 0;
  std::vector<int> mine;
  for (ClassId id : classes) mine.push_back(TargetIndexOf(id));
  std::sort(mine.begin(), mine.end());
  for (size_t c = 0; c < targets->cycles.size(); ++c) {
    std::vector<int> theirs = targets->cycles[c]->classes;
    std::sort(theirs.begin(), theirs.end());
    // A cycle of one class deadlocks two (or more) instances of it.
    if (theirs.size() == 1 && !mine.empty() &&
        std::all_of(mine.begin(), mine.end(), [&](int k) { return k == theirs[0]; })) {
      return int(c) + 1;
    }
    if (mine == theirs) return int(c) + 1;
  }
  return 0;
}

std::string TargetCycleText(int cycle) {
  if (targets == nullptr || cycle < 1 || size_t(cycle) > targets->cycles.size()) return "";
  return targets->cycles[size_t(cycle - 1)]->target.Text();
}

void ConfirmForkChild() {
  if (!ConfirmOn()) return;
  // The parent's other threads are gone: none stands at any position, none
  // holds a slot or a gate lock; the watchdog is gone too.
  for (auto& run : targets->cycles) {
    for (auto& w : run->waiting) w.store(0, std::memory_order_relaxed);
    run->gate_mu.ResetInForkChild();
  }
  ResetWaitTableInForkChild();
  ResetWatchdogInForkChild();
}

std::string ConfirmCyclesPath() { return targets ? targets->path : ""; }
int ConfirmSeed() { return targets ? targets->seed : 0; }

}  // namespace lockdep
