// Throughput of random multi-lock transactions: 4 distinct locks out of 64
// per transaction, each bumping a counter per lock, on 1 and 2 threads.
//
//   ./bazelw run -c opt //benchmarks:ww_bench
//
//   BM_WoundWait / BM_WaitDie   ww_mutex_lock under an acquire context, with
//                               the -EDEADLK back-off loop; lockdep on
//   ..._LockdepOff              the same with this thread's validation off
//                               (lockdep_off()): the cost of the algorithm
//   BM_ScopedLock               std::scoped_lock over std::mutex: the same
//                               lock sets, all known up front (std::lock's
//                               try-and-back-off), no validation
//   ..._Hot                     4 of only 8 locks, on 2 and 4 threads: nearly
//                               every acquisition is contended, so this is
//                               what the unlock's wake-up policy costs
//
// Every variant replays the same pre-generated lock sets, so only the locking
// differs. The "backoffs" counter is -EDEADLK back-offs per transaction.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <mutex>
#include <random>
#include <vector>

#include "instrument/kernel.h"

namespace {

constexpr int kLocks = 64;
constexpr int kPerTransaction = 4;
constexpr int kSets = 4096;  // per thread, replayed in a loop
constexpr int kHotLocks = 8;  // the pool of the _Hot variants

using LockSet = std::array<int, kPerTransaction>;
static_assert(kPerTransaction == 4, "BM_ScopedLock names four locks");

DEFINE_WW_CLASS(bench_wound_class);
DEFINE_WD_CLASS(bench_die_class);

struct Shared {
  Shared() {
    for (auto& l : wound) ww_mutex_init(&l, &bench_wound_class);
    for (auto& l : die) ww_mutex_init(&l, &bench_die_class);
  }
  struct ww_mutex wound[kLocks];
  struct ww_mutex die[kLocks];
  std::mutex plain[kLocks];
  long counters[kLocks] = {};
};
Shared shared;

// The lock sets of one benchmark thread: distinct locks of the first `pool`
// in random order.
std::vector<LockSet> SetsFor(int thread, int pool = kLocks) {
  std::mt19937 rng(42u + static_cast<unsigned>(thread));
  std::array<int, kLocks> all;
  for (int i = 0; i < kLocks; ++i) all[i] = i;
  std::vector<LockSet> sets(kSets);
  for (LockSet& s : sets) {
    std::shuffle(all.begin(), all.begin() + pool, rng);
    std::copy_n(all.begin(), kPerTransaction, s.begin());
  }
  return sets;
}

void Touch(const LockSet& s) {
  for (int i : s) benchmark::DoNotOptimize(++shared.counters[i]);
}

// One transaction with the usual back-off: on -EDEADLK unlock all, sleep on
// the contended lock with ww_mutex_lock_slow(), retry. Returns back-offs.
int WwTransaction(struct ww_mutex* locks, struct ww_class* cls,
                  const LockSet& s) {
  struct ww_acquire_ctx ctx;
  ww_acquire_init(&ctx, cls);
  int backoffs = 0;
  int contended = -1;
  for (;;) {
    int n = 0;
    int err = 0;
    for (; n < kPerTransaction; ++n) {
      if (s[n] == contended) continue;
      err = ww_mutex_lock(&locks[s[n]], &ctx);
      if (err != 0) break;
    }
    if (err == 0) break;
    ++backoffs;
    for (int i = 0; i < n; ++i) {
      if (s[i] != contended) ww_mutex_unlock(&locks[s[i]]);
    }
    if (contended >= 0) ww_mutex_unlock(&locks[contended]);
    contended = s[n];
    ww_mutex_lock_slow(&locks[contended], &ctx);
  }
  ww_acquire_done(&ctx);
  Touch(s);
  for (int i : s) ww_mutex_unlock(&locks[i]);
  ww_acquire_fini(&ctx);
  return backoffs;
}

void RunWw(benchmark::State& state, struct ww_mutex* locks,
           struct ww_class* cls, bool lockdep, int pool = kLocks) {
  const std::vector<LockSet> sets = SetsFor(state.thread_index(), pool);
  if (!lockdep) lockdep_off();
  long backoffs = 0;
  size_t i = 0;
  for (auto _ : state) {
    backoffs += WwTransaction(locks, cls, sets[i]);
    if (++i == sets.size()) i = 0;
  }
  if (!lockdep) lockdep_on();
  state.SetItemsProcessed(state.iterations());
  state.counters["backoffs"] = benchmark::Counter(
      static_cast<double>(backoffs), benchmark::Counter::kAvgIterations);
}

void BM_WoundWait(benchmark::State& state) {
  RunWw(state, shared.wound, &bench_wound_class, true);
}
void BM_WaitDie(benchmark::State& state) {
  RunWw(state, shared.die, &bench_die_class, true);
}
void BM_WoundWait_LockdepOff(benchmark::State& state) {
  RunWw(state, shared.wound, &bench_wound_class, false);
}
void BM_WaitDie_LockdepOff(benchmark::State& state) {
  RunWw(state, shared.die, &bench_die_class, false);
}

void BM_WoundWait_Hot(benchmark::State& state) {
  RunWw(state, shared.wound, &bench_wound_class, true, kHotLocks);
}
void BM_WaitDie_Hot(benchmark::State& state) {
  RunWw(state, shared.die, &bench_die_class, true, kHotLocks);
}

void BM_ScopedLock(benchmark::State& state) {
  const std::vector<LockSet> sets = SetsFor(state.thread_index());
  size_t i = 0;
  for (auto _ : state) {
    const LockSet& s = sets[i];
    std::scoped_lock lock(shared.plain[s[0]], shared.plain[s[1]],
                          shared.plain[s[2]], shared.plain[s[3]]);
    Touch(s);
    if (++i == sets.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_WoundWait)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_WaitDie)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_WoundWait_LockdepOff)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_WaitDie_LockdepOff)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_ScopedLock)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_WoundWait_Hot)->Threads(2)->Threads(4)->UseRealTime();
BENCHMARK(BM_WaitDie_Hot)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace
