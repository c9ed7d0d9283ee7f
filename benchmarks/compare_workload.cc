// One workload set, compiled once per lock checker (//benchmarks:compare runs
// them all and prints the table). The flavour is a macro:
//   COMPARE_LOCKDEP  lockdep::Mutex (this runtime)
//   COMPARE_ABSL     absl::Mutex with deadlock detection reporting cycles
//   (neither)        std::mutex: the baseline, also the program that
//                    ThreadSanitizer and Helgrind check
//
//   compare_workload [--n=ITERATIONS] [--abba]
//
// Prints "workload ns_per_lock_unlock" lines (process CPU time, so a shared
// machine's other load counts less). --abba instead takes A then B, then B
// then A, on one thread (a planted inversion that cannot hang) and exits:
// whether the checker reported it is read from its output.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#if defined(COMPARE_LOCKDEP)
#include "instrument/cxx.h"
#elif defined(COMPARE_ABSL)
#include "absl/synchronization/mutex.h"
#else
#include <mutex>
#endif

namespace {

constexpr int kClasses = 1000;

// Each Lock is locked and unlocked by separate calls on purpose: outside
// Clang's thread-safety analysis.
#if defined(__clang__)
#define NO_ANALYSIS __attribute__((no_thread_safety_analysis))
#else
#define NO_ANALYSIS
#endif

#if defined(COMPARE_LOCKDEP)
// One class per index: static keys, as a lock_class_key must be.
lock_class_key g_keys[kClasses + 8];
char g_names[kClasses + 8][12];
struct Lock {
  lockdep::Mutex m;
  explicit Lock(int i) : m(g_keys[i], NameOf(i)) {}
  static const char* NameOf(int i) {
    std::snprintf(g_names[i], sizeof(g_names[i]), "c%d", i % 100000);
    return g_names[i];
  }
  void lock() NO_ANALYSIS { m.lock(); }
  void unlock() NO_ANALYSIS { m.unlock(); }
};
#elif defined(COMPARE_ABSL)
struct Lock {
  absl::Mutex m;
  explicit Lock(int) {}
  void lock() NO_ANALYSIS { m.Lock(); }
  void unlock() NO_ANALYSIS { m.Unlock(); }
};
#else
struct Lock {
  std::mutex m;
  explicit Lock(int) {}
  void lock() NO_ANALYSIS { m.lock(); }
  void unlock() NO_ANALYSIS { m.unlock(); }
};
#endif

std::vector<std::unique_ptr<Lock>> MakeLocks(int n, int first) {
  std::vector<std::unique_ptr<Lock>> v;
  for (int i = 0; i < n; ++i) v.push_back(std::make_unique<Lock>(first + i));
  return v;
}

double CpuNs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

void PairPass(std::vector<std::unique_ptr<Lock>>& l) {
  for (int k = 0; k + 1 < kClasses; ++k) {
    l[k]->lock();
    l[k + 1]->lock();
    l[k + 1]->unlock();
    l[k]->unlock();
  }
}

void Print(const char* name, double ns, double ops) {
  std::printf("%s %.1f\n", name, ns / ops);
  std::fflush(stdout);
}

void Run(long n) {
  {
    auto l = MakeLocks(1, kClasses);
    l[0]->lock();  // warm-up: the first use registers the class
    l[0]->unlock();
    double t = CpuNs();
    for (long i = 0; i < n; ++i) {
      l[0]->lock();
      l[0]->unlock();
    }
    Print("one", CpuNs() - t, double(n));
  }
  {
    auto l = MakeLocks(4, kClasses + 1);
    auto nest = [&] {
      for (int j = 0; j < 4; ++j) l[j]->lock();
      for (int j = 4; j-- > 0;) l[j]->unlock();
    };
    nest();
    double t = CpuNs();
    for (long i = 0; i < n; ++i) nest();
    Print("nested4", CpuNs() - t, 4.0 * double(n));
  }
  {
    auto l = MakeLocks(kClasses, 0);
    double t = CpuNs();
    PairPass(l);  // fresh locks: every pair is a first
    Print("firstpass", CpuNs() - t, 2.0 * (kClasses - 1));
    long passes = std::max(1L, n / kClasses);
    t = CpuNs();
    for (long p = 0; p < passes; ++p) PairPass(l);
    Print("pairs1000", CpuNs() - t, 2.0 * (kClasses - 1) * double(passes));
  }
  {
    auto l = MakeLocks(2, kClasses + 5);
    double t = CpuNs();
    std::thread a([&] {
      for (long i = 0; i < n; ++i) {
        l[0]->lock();
        l[0]->unlock();
      }
    });
    for (long i = 0; i < n; ++i) {
      l[1]->lock();
      l[1]->unlock();
    }
    a.join();
    Print("threads2", CpuNs() - t, 2.0 * double(n));
  }
}

void PlantAbba() {
  auto l = MakeLocks(2, kClasses + 7 - 1);
  l[0]->lock();
  l[1]->lock();
  l[1]->unlock();
  l[0]->unlock();
  l[1]->lock();
  l[0]->lock();
  l[0]->unlock();
  l[1]->unlock();
  std::printf("abba done\n");
}

}  // namespace

int main(int argc, char** argv) {
#if defined(COMPARE_ABSL)
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kReport);
#endif
  long n = 2000000;
  bool abba = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--n=", 4) == 0) n = std::atol(argv[i] + 4);
    if (std::strcmp(argv[i], "--abba") == 0) abba = true;
  }
  if (abba) {
    PlantAbba();
  } else {
    Run(n);
  }
  return 0;
}
