// fork() while another thread holds the runtime's internal locks: the child
// must not inherit them locked. Each case holds one lock in a thread that
// releases it a little later, forks meanwhile, and has the child learn a new
// chain (graph lock), report (report log) and symbolise (symbolizer).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/graph/freed_memory.h"
#include "runtime/graph/key_origin.h"
#include "runtime/graph/lock_stat.h"
#include "runtime/lockdep.h"
#include "runtime/report.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/graph/validator.h"
#include "runtime/reports/report_log.h"
#include "runtime/reports/report_output.h"

namespace lockdep {
namespace {

lock_class_key key_a, key_b, key_freed;

void Lock(lockdep_map* m) { lock_acquire(m, 0, 0, 0, 1, nullptr, LOCKDEP_THIS_IP); }
void Unlock(lockdep_map* m) { lock_release(m, LOCKDEP_THIS_IP); }

// The child: a new chain, an ABBA report (printed, logged, symbolised), then
// "ok" on `result_fd` when it saw exactly that report. (Not the exit status:
// ThreadSanitizer may change a fork child's, for the parent's threads.) It
// writes a stage letter before each step, so a child killed by its alarm
// says where it hung.
[[noreturn]] void ChildWork(int result_fd) {
  alarm(60);  // a hang fails the test instead of the whole run
  auto stage = [result_fd](char c) { (void)!write(result_fd, &c, 1); };
  stage('c');  // chains and the report
  lockdep_map a, b;
  lockdep_init_map(&a, "fork_A", &key_a, 0);
  lockdep_init_map(&b, "fork_B", &key_b, 0);
  Lock(&a);
  Lock(&b);
  Unlock(&b);
  Unlock(&a);
  Lock(&b);
  Lock(&a);
  Unlock(&a);
  Unlock(&b);
  // The leaves: the freed-memory ring, the lock-statistics registry and the
  // key origins.
  stage('l');
  lockdep_map freed;
  lockdep_init_map(&freed, "fork_freed", &key_freed, 0);
  lockdep_free_range(&freed, sizeof(freed), LOCKDEP_THIS_IP);
  (void)LockStatSnapshot();
  (void)KeyOrigin(&key_a);
  if (ReportCount() == 1) (void)!write(result_fd, "ok", 2);
  _exit(0);
}

// Set by the parent once fork() has returned in it: threads that held an
// internal lock for the fork stay alive, doing nothing, until then, so their
// exit (which frees memory) never overlaps the fork. (gcc 12's
// AddressSanitizer does not lock its allocator around fork(): a thread inside
// free() at that moment leaves the child's allocator locked, whatever lockdep
// does.)
std::atomic<bool> g_fork_returned{false};

// Forks; the child runs `before` then ChildWork(). Checks it finished and
// said "ok".
template <typename Before>
void ForkAndCheck(Before before, int i = 0) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    before();
    ChildWork(fds[1]);
  }
  ASSERT_GT(pid, 0);
  g_fork_returned = true;
  close(fds[1]);
  std::string said;
  char buf[16];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) said.append(buf, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_FALSE(WIFSIGNALED(status))
      << "fork " << i << ": child killed by signal " << WTERMSIG(status)
      << " (SIGALRM: it hung) after stages '" << said << "' (c: chains, l: leaves)";
  EXPECT_EQ(said, "clok") << "fork " << i;
}

// Forks while `hold` (run on another thread) has an internal lock, and checks
// the child finished its work (after `before`).
template <typename Hold, typename Before>
void ForkWhileHeld(Hold hold, Before before) {
  ResetForTesting();
  std::atomic<bool> held{false};
  g_fork_returned = false;
  std::thread holder([&] {
    hold(held);
    while (!g_fork_returned.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  while (!held.load()) std::this_thread::yield();
  ForkAndCheck(before);
  holder.join();
}
template <typename Hold>
void ForkWhileHeld(Hold hold) {
  ForkWhileHeld(hold, [] {});
}

template <typename Mutex>
void HoldFor(Mutex& mu, std::atomic<bool>& held) {
  mu.lock();
  held = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  mu.unlock();
}

TEST(Fork, WhileAnotherThreadHoldsTheGraphLock) {
  ForkWhileHeld([](std::atomic<bool>& held) { HoldFor(GraphState::mu, held); });
}

// Every other internal lock in turn: a handler that missed one would leave
// the child hung at that lock's first use.
TEST(Fork, WhileAnotherThreadHoldsEachInternalLock) {
  for (InternalMutex* mu :
       {&Graph().chain_check.mutex(), &ReportLogMutex(), &ReportOutputMutex(),
        &SymbolizerMutex(), &FreedMemoryMutex(), &LockStatMutex(), &KeyOriginMutex()}) {
    ForkWhileHeld([mu](std::atomic<bool>& held) { HoldFor(*mu, held); });
  }
}

// libunwind's own lock cannot be held across fork, so fork waits for the
// unwinds in progress (stack_trace.h's UnwindScope). The holder marks that
// it is done before its scope ends: only a fork that waited for the scope
// has a child that sees the mark.
TEST(Fork, WaitsForAnUnwindInProgress) {
  static std::atomic<bool> unwind_done{false};
  ForkWhileHeld(
      [](std::atomic<bool>& held) {
        UnwindScope unwinding;
        held = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        unwind_done = true;
      },
      [] {
        if (!unwind_done.load()) _exit(1);  // no "ok": fork did not wait
      });
}

// A signal handler that interrupts the thread preparing a fork and unwinds
// (a report's stack) must not wait for the gate that thread closed.
TEST(Fork, TheThreadPreparingAForkMayUnwind) {
  alarm(20);  // a hang fails loudly
  CloseUnwindGate();
  uintptr_t pcs[8];
  const int n = CaptureStack(pcs, 8, 0);
  OpenUnwindGate(/*in_child=*/false);
  alarm(0);
  EXPECT_GT(n, 0);
}

#if defined(__SANITIZE_ADDRESS__)
// gcc 12's AddressSanitizer does not lock its allocator around fork(), so a
// fork while the busy thread allocates can leave the child's allocator
// locked. Under it, the busy thread's iterations and the forks take turns
// (the fork then still lands while the runtime's internal locks are free or
// being waited for, but never inside ASan's malloc).
std::mutex g_asan_fork_turns;
void AsanForkPrepare() { g_asan_fork_turns.lock(); }
void AsanForkRelease() { g_asan_fork_turns.unlock(); }
struct AsanForkTurn {
  AsanForkTurn() { g_asan_fork_turns.lock(); }
  ~AsanForkTurn() { g_asan_fork_turns.unlock(); }
};
#else
struct AsanForkTurn {};
#endif

TEST(Fork, WhileAnotherThreadLearnsAndSymbolizes) {
  // A thread busy in every internal lock (new chains under the graph lock,
  // the report log, the symbolizer) while the main thread forks over and
  // over; it makes no report itself, so the log stays small.
  ResetForTesting();
#if defined(__SANITIZE_ADDRESS__)
  // Registered after the runtime's handlers, so it runs before them.
  static const bool registered =
      pthread_atfork(AsanForkPrepare, AsanForkRelease, AsanForkRelease) == 0;
  ASSERT_TRUE(registered);
#endif
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    static lock_class_key key_x;
    lockdep_map x;
    lockdep_init_map(&x, "busy_X", &key_x, 0);
    while (!stop.load()) {
      [[maybe_unused]] AsanForkTurn turn;
      SymbolizePc(reinterpret_cast<uintptr_t>(&Lock) + 1);
      lock_class_key fresh;
      lockdep_register_key(&fresh);
      lockdep_map y;
      lockdep_init_map(&y, "busy_Y", &fresh, 0);
      Lock(&x);
      Lock(&y);  // a new class each time: a new chain and dependency
      Unlock(&y);
      Unlock(&x);
      lockdep_unregister_key(&fresh);
      CollectedReports();
    }
  });
  for (int i = 0; i < 20; ++i) ForkAndCheck([] { ResetForTesting(); }, i);
  stop = true;
  busy.join();
}

}  // namespace
}  // namespace lockdep
