// What lockdep costs a lock: each lockdep:: type next to its real-lock core
// with no hooks (lockdep::internal::Raw*), measured in one run.
//
//   ./bazelw run -c opt //benchmarks:lock_bench
//
// Pairs: uncontended lock+unlock on one thread; a nested A -> B -> C
// acquire/release (after the first round the validator has seen the chain, so
// this is the cached-chain fast path); and the uncontended case on two threads
// that each lock their own lock (nothing shared is written, so per-thread time
// should stay flat: the fast path scales).
#include <benchmark/benchmark.h>

#include "instrument/cxx.h"

namespace {

using lockdep::internal::RawMutex;
using lockdep::internal::RawSharedMutex;
using lockdep::internal::RawSpinLock;

// Exclusive lock + unlock, one lock per thread (a local, so under ->Threads(2)
// each thread has its own, on its own stack).
template <typename Lock>
void BM_LockUnlock(benchmark::State& state) {
  Lock lock;
  for (auto _ : state) {
    lock.lock();
    lock.unlock();
  }
  benchmark::DoNotOptimize(&lock);
}

// Shared (reader) lock + unlock.
template <typename Lock>
void BM_LockUnlockShared(benchmark::State& state) {
  Lock lock;
  for (auto _ : state) {
    lock.lock_shared();
    lock.unlock_shared();
  }
  benchmark::DoNotOptimize(&lock);
}

// A -> B -> C, released in reverse. The three locks are constructed on three
// lines, so for the lockdep types they are three classes: a valid, cached
// chain, not recursive locking.
template <typename Lock>
void BM_NestedChain3(benchmark::State& state) {
  Lock a;
  Lock b;
  Lock c;
  for (auto _ : state) {
    a.lock();
    b.lock();
    c.lock();
    c.unlock();
    b.unlock();
    a.unlock();
  }
  benchmark::DoNotOptimize(&a);
  benchmark::DoNotOptimize(&b);
  benchmark::DoNotOptimize(&c);
}

// Registered raw first, then lockdep, so the pairs sit next to each other.
BENCHMARK_TEMPLATE(BM_LockUnlock, RawMutex)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_LockUnlock, lockdep::Mutex)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_LockUnlock, RawSpinLock)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_LockUnlock, lockdep::SpinLock)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_LockUnlock, RawSharedMutex)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_LockUnlock, lockdep::SharedMutex)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_LockUnlockShared, RawSharedMutex)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_LockUnlockShared, lockdep::SharedMutex)
    ->ThreadRange(1, 2);

BENCHMARK_TEMPLATE(BM_NestedChain3, RawMutex)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_NestedChain3, lockdep::Mutex)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_NestedChain3, RawSpinLock)->ThreadRange(1, 2);
BENCHMARK_TEMPLATE(BM_NestedChain3, lockdep::SpinLock)->ThreadRange(1, 2);

}  // namespace
