// What validation costs, per lock+unlock, for every instrumented lock type next
// to the bare lock of the same design, in one binary and one run:
//
//   ./bazelw run -c opt //benchmarks:overhead_bench -- --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
//
// Every result carries the counter `ns_op`: nanoseconds per lock+unlock (a
// nested or paired iteration counts each of its locks), so rows compare
// directly. Workloads:
//   One        one lock, taken and released.
//   Nested4    four classes, A -> B -> C -> D, released in reverse.
//   Pairs1000  (k, k+1) for k over 1000 classes: every chain cached, but the
//              classes and chains spread over many cache lines.
//   FirstPass  the same pairs right after the graph was forgotten
//              (ResetForTesting, untimed): every pair adds a new dependency,
//              with its stack trace and checks. The classes themselves are
//              registered (untimed) first, so this is the new-edge cost.
//   FirstPassIrqSafe  the same with one (unrelated) class used in hardirq
//              context, which makes every new dependency search behind it.
//   Threads2   two threads, one lock each (disjoint classes): per thread;
//              equal to One when nothing shared is written.
//   OneGuarded one lock through std::lock_guard (inlined here, as in any
//              optimised build).
// and lockdep::Mutex's call-site lookup (instrument/cxx/call_site.h) when a
// standard guard is not inlined, as in an unoptimised build: One for
// LockdepMutexViaStdGuard (a guard that keeps a frame pointer) and
// LockdepMutexViaStdGuardNoFp (one that does not, so the frame pointers
// guess the user's frame wrong and the remembered unwind answers).
#include <benchmark/benchmark.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <time.h>
#include <cstdio>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "instrument/cxx.h"
#include "instrument/kernel.h"
#include "tests/cxx/std_guard_double.h"
#include "runtime/report.h"

namespace {

constexpr int kClasses = 1000;

// One key per class for every instrumented type: static storage, as a
// lock_class_key must be.
lock_class_key g_keys[kClasses];
char g_names[kClasses][16];

const char* NameOf(int i) {
  if (g_names[i][0] == 0) std::snprintf(g_names[i], sizeof(g_names[i]), "b%d", i % 10000);
  return g_names[i];
}

// ---------------------------------------------------------------------------
// The locks, each as Init(class index) + lock() + unlock(). `kValidated`
// says whether the graph must be reset before a first pass.

struct PthreadMutex {
  static constexpr bool kValidated = false;
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  void Init(int) {}
  void lock() { pthread_mutex_lock(&m); }
  void unlock() { pthread_mutex_unlock(&m); }
};

struct StdMutex {
  static constexpr bool kValidated = false;
  std::mutex m;
  void Init(int) {}
  void lock() { m.lock(); }
  void unlock() { m.unlock(); }
};

struct KernelMutex {
  static constexpr bool kValidated = true;
  struct mutex m;
  void Init(int i) { __mutex_init(&m, NameOf(i), &g_keys[i]); }
  void lock() { mutex_lock(&m); }
  void unlock() { mutex_unlock(&m); }
};

// spinlock_t's own design without the hooks: a test-and-test-and-set word
// plus the owner word an unlock checks (instrument/kernel/spinlock.cc), out
// of line as spin_lock()/spin_unlock() are.
constinit thread_local uint32_t t_bench_owner = 0;
std::atomic<uint32_t> g_next_owner{1};
struct RawKernelSpin {
  static constexpr bool kValidated = false;
  std::atomic<uint32_t> locked{0};
  std::atomic<uint32_t> owner{0};
  static uint32_t Self() {
    if (t_bench_owner == 0) t_bench_owner = g_next_owner.fetch_add(1);
    return t_bench_owner;
  }
  void Init(int) {}
  __attribute__((noinline)) void lock() {
    while (locked.load(std::memory_order_relaxed) != 0 ||
           locked.exchange(1, std::memory_order_acquire) != 0) {
      while (locked.load(std::memory_order_relaxed) != 0) __builtin_ia32_pause();
    }
    owner.store(Self(), std::memory_order_relaxed);
  }
  __attribute__((noinline)) void unlock() {
    if (owner.load(std::memory_order_relaxed) != Self()) return;
    owner.store(0, std::memory_order_relaxed);
    locked.store(0, std::memory_order_release);
  }
};

struct KernelSpin {
  static constexpr bool kValidated = true;
  spinlock_t s;
  void Init(int i) { __spin_lock_init(&s, NameOf(i), &g_keys[i]); }
  void lock() { spin_lock(&s); }
  void unlock() { spin_unlock(&s); }
};

struct LockdepMutex {
  static constexpr bool kValidated = true;
  alignas(lockdep::Mutex) unsigned char storage[sizeof(lockdep::Mutex)];
  bool live = false;
  lockdep::Mutex& m() { return *std::launder(reinterpret_cast<lockdep::Mutex*>(storage)); }
  void Init(int i) {
    new (storage) lockdep::Mutex(g_keys[i], NameOf(i));
    live = true;
  }
  ~LockdepMutex() {
    if (live) m().~Mutex();
  }
  // Locked and unlocked by separate calls on purpose: outside the analysis.
  void lock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS { m().lock(); }
  void unlock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS { m().unlock(); }
};

// lockdep::Mutex locked from a guard that was not inlined, with and without
// a frame pointer (tests/cxx/std_guard_double.h).
struct LockdepMutexViaStdGuard : LockdepMutex {
  void lock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
    lockdep_test::LockLikeStdGuard(m());
  }
};
struct LockdepMutexViaStdGuardNoFp : LockdepMutex {
  void lock() LOCKDEP_NO_THREAD_SAFETY_ANALYSIS {
    lockdep_test::LockLikeStdGuardWithoutFramePointer(m());
  }
};

// `n` locks of classes first..first+n-1.
template <typename L>
std::unique_ptr<L[]> MakeLocks(int n, int first = 0) {
  std::unique_ptr<L[]> locks(new L[n]);
  for (int i = 0; i < n; ++i) locks[i].Init(first + i);
  return locks;
}

void SetOps(benchmark::State& state, double ops_per_iteration) {
  state.counters["ns_op"] = benchmark::Counter(
      ops_per_iteration * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert |
          benchmark::Counter::kAvgThreads);
}

// ---------------------------------------------------------------------------
// Workloads.

template <typename L>
void BM_One(benchmark::State& state) {
  auto l = MakeLocks<L>(1, 900);
  for (auto _ : state) {
    l[0].lock();
    l[0].unlock();
  }
  SetOps(state, 1);
}

template <typename L>
void BM_OneGuarded(benchmark::State& state) {
  auto l = MakeLocks<L>(1, 900);
  for (auto _ : state) {
    std::lock_guard<L> guard(l[0]);
  }
  SetOps(state, 1);
}

template <typename L>
void BM_Nested4(benchmark::State& state) {
  auto l = MakeLocks<L>(4, 910);
  for (auto _ : state) {
    l[0].lock();
    l[1].lock();
    l[2].lock();
    l[3].lock();
    l[3].unlock();
    l[2].unlock();
    l[1].unlock();
    l[0].unlock();
  }
  SetOps(state, 4);
}

template <typename L>
void PairPass(L* l) {
  for (int k = 0; k + 1 < kClasses; ++k) {
    l[k].lock();
    l[k + 1].lock();
    l[k + 1].unlock();
    l[k].unlock();
  }
}

template <typename L>
void BM_Pairs1000(benchmark::State& state) {
  auto l = MakeLocks<L>(kClasses);
  PairPass(l.get());  // learn every chain once
  for (auto _ : state) PairPass(l.get());
  SetOps(state, 2.0 * (kClasses - 1));
}

// This thread's CPU time: the machine may be shared, and a pass is long
// enough for other processes to take turns inside it.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

DEFINE_SPINLOCK(g_irq_lock);

// `irq_safe`: a class unrelated to the pairs is made hardirq-safe first, so
// every new dependency must search the graph behind it for irq-safe classes
// (in this chain-shaped graph: every class before it).
template <typename L>
void FirstPass(benchmark::State& state, bool irq_safe) {
  auto l = MakeLocks<L>(kClasses);
  for (auto _ : state) {
    if (L::kValidated) {
      lockdep::ResetForTesting();
      if (irq_safe) {
        irq_enter();
        spin_lock(&g_irq_lock);
        spin_unlock(&g_irq_lock);
        irq_exit();
      }
      // Register every class and its one-lock chain, so the timed pass pays
      // only for what each pair adds: the new dependency.
      for (int k = 0; k < kClasses; ++k) {
        l[k].lock();
        l[k].unlock();
      }
    }
    const double start = ThreadCpuSeconds();
    PairPass(l.get());
    state.SetIterationTime(ThreadCpuSeconds() - start);
  }
  SetOps(state, 2.0 * (kClasses - 1));
}

template <typename L>
void BM_FirstPass(benchmark::State& state) {
  FirstPass<L>(state, false);
}

template <typename L>
void BM_FirstPassIrqSafe(benchmark::State& state) {
  FirstPass<L>(state, true);
}

// Each thread its own lock and class (950 + thread index).
template <typename L>
void BM_Threads2(benchmark::State& state) {
  auto l = MakeLocks<L>(1, 950 + state.thread_index());
  for (auto _ : state) {
    l[0].lock();
    l[0].unlock();
  }
  SetOps(state, 1);
}

double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

#define LOCK_TYPES(W, ...)                      \
  W(PthreadMutex, __VA_ARGS__)                  \
  W(StdMutex, __VA_ARGS__)                      \
  W(KernelMutex, __VA_ARGS__)                   \
  W(LockdepMutex, __VA_ARGS__)                  \
  W(RawKernelSpin, __VA_ARGS__)                 \
  W(KernelSpin, __VA_ARGS__)

#define REGISTER(L, BM, EXTRA) \
  BENCHMARK_TEMPLATE(BM, L)->ComputeStatistics("min", Min) EXTRA;

LOCK_TYPES(REGISTER, BM_One, )
LOCK_TYPES(REGISTER, BM_Nested4, )
LOCK_TYPES(REGISTER, BM_Pairs1000, )
LOCK_TYPES(REGISTER, BM_FirstPass, ->UseManualTime()->Iterations(20))
LOCK_TYPES(REGISTER, BM_Threads2, ->Threads(2))
REGISTER(StdMutex, BM_OneGuarded, )
REGISTER(LockdepMutex, BM_OneGuarded, )
REGISTER(LockdepMutexViaStdGuard, BM_One, )
REGISTER(LockdepMutexViaStdGuardNoFp, BM_One, )
REGISTER(LockdepMutex, BM_FirstPassIrqSafe, ->UseManualTime()->Iterations(20))

}  // namespace
