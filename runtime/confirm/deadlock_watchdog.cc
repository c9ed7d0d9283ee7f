#include "runtime/confirm/deadlock_watchdog.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/confirm/confirm.h"
#include "runtime/confirm/confirm_report.h"
#include "runtime/confirm/wait_table.h"
#include "runtime/graph/validator.h"
#include "runtime/reports/report_log.h"

namespace lockdep {
namespace {

std::atomic<bool> started{false};

// Does `waiter`'s pending acquire have to wait for `holder`? A reader waits
// only for a writer; a writer for anyone.
bool Blocks(const WaitSlot& waiter, const WaitSlot& holder) {
  for (uint32_t i = 0; i < holder.depth; ++i) {
    const WaitLock& h = holder.held[i];
    if (h.map != waiter.pending.map) continue;
    if (waiter.pending.read != 0 && h.read != 0) continue;
    return true;
  }
  return false;
}

// A cycle of the wait-for graph among `slots`, as slot indices, each waiting
// for the next (empty when none). Depth-first, colouring nodes.
std::vector<size_t> WaitCycle(const std::vector<WaitSlot>& slots) {
  const size_t n = slots.size();
  std::vector<std::vector<size_t>> waits_for(n);
  for (size_t i = 0; i < n; ++i) {
    if (slots[i].pending.map == nullptr) continue;
    for (size_t j = 0; j < n; ++j) {
      if (j != i && Blocks(slots[i], slots[j])) waits_for[i].push_back(j);
    }
  }
  std::vector<int> colour(n, 0);  // 0 new, 1 on the path, 2 done
  std::vector<size_t> path;
  std::vector<size_t> cycle;
  auto visit = [&](auto& self, size_t i) -> bool {
    colour[i] = 1;
    path.push_back(i);
    for (size_t j : waits_for[i]) {
      if (colour[j] == 1) {
        cycle.assign(std::find(path.begin(), path.end(), j), path.end());
        return true;
      }
      if (colour[j] == 0 && self(self, j)) return true;
    }
    path.pop_back();
    colour[i] = 2;
    return false;
  };
  for (size_t i = 0; i < n; ++i) {
    if (colour[i] == 0 && visit(visit, i)) break;
  }
  return cycle;
}

void* Watch(void*) {
  // The runtime's own thread: whatever it locks or allocates is not the
  // program's (an LD_PRELOAD build passes it through).
  InValidator inside(CurrentThread());
  std::vector<long> last_tids;
  std::vector<uint64_t> last_seqs;
  int still = 0;
  for (;;) {
    timespec period{0, long(kWatchPeriodMs) * 1000000};
    nanosleep(&period, nullptr);
    const std::vector<WaitSlot> slots = SnapshotWaitTable();
    const std::vector<size_t> cycle = WaitCycle(slots);
    std::vector<long> tids;
    std::vector<uint64_t> seqs;
    for (size_t i : cycle) {
      tids.push_back(slots[i].tid);
      seqs.push_back(slots[i].seq);
    }
    // The same threads, none of which published anything since: stuck.
    if (!cycle.empty() && tids == last_tids && seqs == last_seqs) {
      if (++still * kWatchPeriodMs >= kDeadlockAfterMs) {
        std::vector<WaitSlot> stuck;
        for (size_t i : cycle) stuck.push_back(slots[i]);
        ReportConfirmedDeadlock(stuck);
        // The graph recorded so far is what a later steered run needs
        // (lockdep-run's recording run can deadlock by itself).
        RunBeforeHaltHook();
        _exit(kDeadlockConfirmedExit);
      }
    } else {
      still = 0;
    }
    last_tids = std::move(tids);
    last_seqs = std::move(seqs);
  }
  return nullptr;
}

}  // namespace

void StartWatchdogOnce() {
  if (started.load(std::memory_order_relaxed) || started.exchange(true)) return;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  // No signal of the program's lands on the watchdog.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t thread;
  pthread_create(&thread, &attr, Watch, nullptr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pthread_attr_destroy(&attr);
}

void ResetWatchdogInForkChild() { started.store(false, std::memory_order_relaxed); }

}  // namespace lockdep
