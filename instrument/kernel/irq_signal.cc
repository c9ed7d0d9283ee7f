#include "instrument/kernel/irq_signal.h"

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>

#include "instrument/kernel/lock_context.h"
#include "runtime/lockdep.h"

namespace {

// Linux signal numbers are 1..64, so one 64-bit word holds a set of them.
constexpr int kMaxSignal = 64;

uint64_t Bit(int signo) { return uint64_t{1} << (signo - 1); }

// The handlers, read from signal context: lock-free loads only.
std::atomic<void (*)(int)> g_handlers[kMaxSignal + 1];

// Installation state, touched only by Install/Remove (never by a handler).
std::mutex g_install_mu;
struct sigaction g_previous[kMaxSignal + 1];  // guarded by g_install_mu
uint64_t g_installed = 0;                     // guarded by g_install_mu

// Signals that hit this thread while its irqs were disabled. Initial-exec TLS
// is a plain %fs-relative access: safe in a signal handler. Updated with
// atomic read-modify-writes because the handler may interrupt an update.
__thread uint64_t tls_pending __attribute__((tls_model("initial-exec")));

// One delivery: the handler, in hardirq context.
void RunHandler(int signo) {
  void (*fn)(int) = g_handlers[signo].load(std::memory_order_acquire);
  if (fn == nullptr) return;  // removed since the signal arrived
  lockdep_hardirq_enter(LOCKDEP_THIS_IP);
  fn(signo);
  lockdep_hardirq_exit(LOCKDEP_THIS_IP);
}

// The sigaction handler of every installed signal.
void Trampoline(int signo) {
  const int saved_errno = errno;
  if (lockdep_hardirqs_enabled()) {
    RunHandler(signo);
  } else {
    __atomic_fetch_or(&tls_pending, Bit(signo), __ATOMIC_RELAXED);
  }
  errno = saved_errno;
}

// (Re)installs every signal of `installed` with a mask of all of them, so no
// installed handler interrupts another (hardware irq handlers do not nest).
int ApplyActions(uint64_t installed) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s = 1; s <= kMaxSignal; ++s) {
    if (installed & Bit(s)) sigaddset(&mask, s);
  }
  struct sigaction action = {};
  action.sa_handler = Trampoline;
  action.sa_mask = mask;
  action.sa_flags = SA_RESTART;
  for (int s = 1; s <= kMaxSignal; ++s) {
    if ((installed & Bit(s)) && sigaction(s, &action, nullptr) != 0) {
      return -errno;
    }
  }
  return 0;
}

bool Catchable(int signo) {
  return signo >= 1 && signo <= kMaxSignal && signo != SIGKILL &&
         signo != SIGSTOP;
}

}  // namespace

namespace lockdep::kernel_internal {

void RunPendingIrqSignals() {
  if (__builtin_expect(__atomic_load_n(&tls_pending, __ATOMIC_RELAXED) == 0,
                       1)) {
    return;
  }
  // Lowest signal first. Each delivery runs with irqs off and turns them back
  // on at its end, so a signal arriving meanwhile is queued and seen here.
  while (lockdep_hardirqs_enabled()) {
    const uint64_t pending = __atomic_load_n(&tls_pending, __ATOMIC_RELAXED);
    if (pending == 0) return;
    const int signo = __builtin_ctzll(pending) + 1;
    __atomic_fetch_and(&tls_pending, ~Bit(signo), __ATOMIC_RELAXED);
    RunHandler(signo);
  }
}

}  // namespace lockdep::kernel_internal

namespace lockdep {

int InstallIrqSignalHandler(int signo, void (*fn)(int)) {
  if (fn == nullptr || !Catchable(signo)) return -EINVAL;
  std::lock_guard<std::mutex> lock(g_install_mu);
  if ((g_installed & Bit(signo)) == 0) {
    if (sigaction(signo, nullptr, &g_previous[signo]) != 0) return -errno;
  }
  // The handler is in place before the signal can reach the trampoline.
  g_handlers[signo].store(fn, std::memory_order_release);
  const int err = ApplyActions(g_installed | Bit(signo));
  if (err != 0) {
    if ((g_installed & Bit(signo)) == 0) {
      sigaction(signo, &g_previous[signo], nullptr);
      g_handlers[signo].store(nullptr, std::memory_order_release);
    }
    return err;
  }
  g_installed |= Bit(signo);
  return 0;
}

int RemoveIrqSignalHandler(int signo) {
  if (!Catchable(signo)) return -EINVAL;
  std::lock_guard<std::mutex> lock(g_install_mu);
  if ((g_installed & Bit(signo)) == 0) return -EINVAL;
  if (sigaction(signo, &g_previous[signo], nullptr) != 0) return -errno;
  g_installed &= ~Bit(signo);
  g_handlers[signo].store(nullptr, std::memory_order_release);
  // The others no longer need to block this signal.
  return ApplyActions(g_installed);
}

}  // namespace lockdep
