// What tracking a wait and its signal costs (docs/waits.md): each case with
// the completion tracked as an event, next to the same completion with
// lockdep_event_exclude() (the untracked primitive: the same code, the hooks
// returning at their first check).
//
//   ./bazelw run -c opt //benchmarks:wait_bench
//
// SignalThenWait: complete() then wait_for_completion() on one thread (the
// wait never sleeps): the hooks' own cost. PingPong: two threads hand a
// token back and forth through two completions, the waiter holding a mutex
// (a cached chain): the cost next to a real wake-up.
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "instrument/kernel.h"

namespace {

void Setup(struct completion* c, bool tracked) {
  init_completion(c);
  if (!tracked) lockdep_event_exclude(&c->dep_map);
}

void BM_SignalThenWait(benchmark::State& state) {
  struct completion c;
  Setup(&c, state.range(0) != 0);
  for (auto _ : state) {
    complete(&c);
    wait_for_completion(&c);
  }
}
BENCHMARK(BM_SignalThenWait)->ArgName("tracked")->Arg(0)->Arg(1);

void BM_PingPong(benchmark::State& state) {
  const bool tracked = state.range(0) != 0;
  struct completion ping, pong;
  Setup(&ping, tracked);
  Setup(&pong, tracked);
  static DEFINE_MUTEX(held);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    for (;;) {
      wait_for_completion(&ping);
      if (stop.load(std::memory_order_relaxed)) return;
      complete(&pong);
    }
  });
  for (auto _ : state) {
    mutex_lock(&held);
    complete(&ping);
    wait_for_completion(&pong);
    mutex_unlock(&held);
  }
  stop.store(true);
  complete(&ping);
  echo.join();
}
BENCHMARK(BM_PingPong)->ArgName("tracked")->Arg(0)->Arg(1)->UseRealTime();

}  // namespace
