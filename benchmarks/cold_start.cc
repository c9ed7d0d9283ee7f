// The cold path as a test binary meets it: a fresh process takes its locks for
// the first time. One measurement per process; cold_start_report (a driver)
// runs each in a fresh process and prints the table.
//
//   cold_start MODE N    MODE: first_use, new_dep, first_pass, nested4,
//                              nested4_off, pairs, threads2, threads2_near,
//                              rss;
//                              prints "MODE N us_per_op"
//
// Locks are kernel-style struct mutex keyed with lockdep_set_class on a
// static key array (one class per key, as a program with N init sites has);
// "bare" builds (-DCOLD_BARE) time the same loops on pthread_mutex_t, and
// -DCOLD_ABSL on absl::Mutex with its deadlock detection on.
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#if defined(COLD_ABSL)
#include "absl/synchronization/mutex.h"
#elif !defined(COLD_BARE)
#include "instrument/kernel.h"
#endif

namespace {

constexpr int kMax = 10000;

#if defined(COLD_BARE)
struct Lock {
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  void Init(int) {}
  void lock() { pthread_mutex_lock(&m); }
  void unlock() { pthread_mutex_unlock(&m); }
};
#elif defined(COLD_ABSL)
struct Lock {
  absl::Mutex m;
  void Init(int) {}
  // Outside clang's thread-safety analysis: the loops lock and unlock
  // through this wrapper, which the analysis cannot follow.
  void lock() ABSL_NO_THREAD_SAFETY_ANALYSIS { m.Lock(); }
  void unlock() ABSL_NO_THREAD_SAFETY_ANALYSIS { m.Unlock(); }
};
#else
lock_class_key keys[kMax];
struct Lock {
  struct mutex m;
  void Init(int i) {
    mutex_init(&m);
    lockdep_set_class(&m, &keys[i]);
  }
  void lock() { mutex_lock(&m); }
  void unlock() { mutex_unlock(&m); }
};
#endif

double NowUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

long RssKiB() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(COLD_ABSL)
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kReport);
#endif
  if (argc < 3) {
    std::fprintf(stderr, "usage: cold_start MODE N\n");
    return 2;
  }
  const char* mode = argv[1];
  const int n = std::atoi(argv[2]);
  if (n < 2 || n > kMax) return 2;
  std::unique_ptr<Lock[]> locks(new Lock[n]);
  for (int i = 0; i < n; ++i) locks[i].Init(i);
  double us = 0;
  long ops = 0;
  // Locks 0-1, 2-3, ... taken in pairs: each pair a new dependency the
  // first time.
  auto pairs = [&] {
    for (int i = 0; i + 1 < n; i += 2) {
      locks[i].lock();
      locks[i + 1].lock();
      locks[i + 1].unlock();
      locks[i].unlock();
    }
  };
  if (!std::strcmp(mode, "first_use")) {
    const double t0 = NowUs();
    for (int i = 0; i < n; ++i) {
      locks[i].lock();
      locks[i].unlock();
    }
    us = NowUs() - t0;
    ops = n;
  } else if (!std::strcmp(mode, "new_dep")) {
    for (int i = 0; i < n; ++i) {  // every class used once, untimed
      locks[i].lock();
      locks[i].unlock();
    }
    const double t0 = NowUs();
    pairs();
    us = NowUs() - t0;
    ops = n / 2;
  } else if (!std::strcmp(mode, "first_pass")) {
    const double t0 = NowUs();
    pairs();
    us = NowUs() - t0;
    ops = n / 2;
  } else if (!std::strcmp(mode, "nested4") || !std::strcmp(mode, "nested4_off") ||
             !std::strcmp(mode, "pairs")) {
    const bool nested = mode[0] == 'n';
#if !defined(COLD_BARE) && !defined(COLD_ABSL)
    // The floor under validation: the primitive and its hooks, which return
    // at their first check while lockdep_off() is in effect.
    if (!std::strcmp(mode, "nested4_off")) lockdep_off();
#endif
    auto pass = [&] {
      if (nested) {
        for (int i = 0; i < 4; ++i) locks[i].lock();
        for (int i = 3; i >= 0; --i) locks[i].unlock();
      } else {
        pairs();
      }
    };
    pass();  // learnt; the timed passes hit the cache
    const int rounds = nested ? 200000 : 200;
    const double t0 = NowUs();
    for (int r = 0; r < rounds; ++r) pass();
    us = NowUs() - t0;
    ops = long(rounds) * (nested ? 4 : n);
  } else if (!std::strcmp(mode, "threads2") || !std::strcmp(mode, "threads2_near")) {
    // Each thread its own two locks, nested, many times: per-thread cost.
    // threads2: the second thread's locks 8 places on (another cache line);
    // threads2_near: the next two in the array, whose lines the first
    // thread's locks share (a lock array's neighbours).
    const int other = mode[8] == '_' ? 2 : 8;
    if (n < other + 2) return 2;
    auto work = [&](int base) {
      for (int r = 0; r < 200000; ++r) {
        locks[base].lock();
        locks[base + 1].lock();
        locks[base + 1].unlock();
        locks[base].unlock();
      }
    };
    work(0);
    work(other);
    const double t0 = NowUs();
    std::thread a(work, 0), b(work, other);
    a.join();
    b.join();
    us = NowUs() - t0;
    ops = 200000L * 2;  // per thread: wall time over one thread's lock pairs
  } else if (!std::strcmp(mode, "rss")) {
    pairs();
    std::printf("%s %d %ld\n", mode, n, RssKiB());
    return 0;
  } else {
    std::fprintf(stderr, "cold_start: unknown mode %s\n", mode);
    return 2;
  }
  std::printf("%s %d %.3f\n", mode, n, us / double(ops));
  return 0;
}
