// lockdep::InstallIrqSignalHandler: real signal handlers as hard interrupt
// handlers. Signals are sent with raise(), so each is delivered on this thread
// at a known point (synchronously, also under ThreadSanitizer). No handler
// ever spins on a lock the interrupted code holds: the cases that would
// deadlock announce the lock with might_lock() instead, as a driver's
// "may take this lock" annotation does.
#include <signal.h>

#include <atomic>
#include <cerrno>

#include "instrument/kernel.h"
#include "tests/test_support.h"

#if defined(LOCKDEP_TSAN)
// Reports made inside a handler allocate (formatting the text). That is
// accepted for a test tool (irq_signal.h); tell ThreadSanitizer so.
extern "C" const char* __tsan_default_options() {
  return "report_signal_unsafe=0";
}
#endif

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int kSignal = SIGUSR1;

DEFINE_SPINLOCK(g_dev_lock);

// What the handler saw, written in signal context.
std::atomic<int> g_runs{0};
std::atomic<int> g_in_irq{0};
std::atomic<int> g_irqs_disabled{0};
std::atomic<int> g_mode{0};

enum Mode {
  kObserve,    // only record the context
  kTakeLock,   // spin_lock + spin_unlock of g_dev_lock (must be free)
  kMightLock,  // might_lock(&g_dev_lock): the dependency, without spinning
};

void Handler(int signo) {
  EXPECT_EQ(signo, kSignal);
  g_runs.fetch_add(1);
  g_in_irq.store(in_irq());
  g_irqs_disabled.store(irqs_disabled());
  errno = EIO;  // the trampoline must restore the interrupted errno
  switch (g_mode.load()) {
    case kObserve:
      break;
    case kTakeLock:
      spin_lock(&g_dev_lock);
      spin_unlock(&g_dev_lock);
      break;
    case kMightLock:
      might_lock(&g_dev_lock);
      break;
  }
}

class IrqSignalTest : public lockdep_test::LockdepTest {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    g_runs = 0;
    g_in_irq = 0;
    g_irqs_disabled = 0;
    g_mode = kObserve;
    ASSERT_EQ(lockdep::InstallIrqSignalHandler(kSignal, Handler), 0);
  }
  void TearDown() override {
    EXPECT_EQ(lockdep::RemoveIrqSignalHandler(kSignal), 0);
    EXPECT_FALSE(in_interrupt());
    EXPECT_FALSE(irqs_disabled());
    LockdepTest::TearDown();
  }
};

TEST_F(IrqSignalTest, HandlerRunsInHardirqContext) {
  errno = 0;
  ASSERT_EQ(raise(kSignal), 0);
  EXPECT_EQ(errno, 0) << "errno preserved across the handler";
  EXPECT_EQ(g_runs.load(), 1);
  EXPECT_TRUE(g_in_irq.load());
  EXPECT_TRUE(g_irqs_disabled.load());
  EXPECT_FALSE(in_irq());
  EXPECT_FALSE(irqs_disabled());
  EXPECT_THAT(Kinds(), IsEmpty());
}

// With irqs disabled the interrupt is held off, as hardware holds it, and
// delivered when irqs come back on.
TEST_F(IrqSignalTest, DisabledIrqsDeferTheHandler) {
  local_irq_disable();
  ASSERT_EQ(raise(kSignal), 0);
  EXPECT_EQ(g_runs.load(), 0) << "must not run while irqs are off";
  local_irq_enable();
  EXPECT_EQ(g_runs.load(), 1);
  EXPECT_TRUE(g_in_irq.load());

  unsigned long flags;
  local_irq_save(flags);
  ASSERT_EQ(raise(kSignal), 0);
  EXPECT_EQ(g_runs.load(), 1);
  local_irq_restore(flags);
  EXPECT_EQ(g_runs.load(), 2);
}

// The correct pattern: the interrupted code takes the handler's lock with
// irqs disabled. The signal arrives inside the critical section and runs
// after it, so the handler finds the lock free; lockdep is silent.
TEST_F(IrqSignalTest, IrqsaveProtectsFromTheHandler) {
  g_mode = kTakeLock;
  unsigned long flags;
  spin_lock_irqsave(&g_dev_lock, flags);
  ASSERT_EQ(raise(kSignal), 0);
  EXPECT_EQ(g_runs.load(), 0);
  spin_unlock_irqrestore(&g_dev_lock, flags);
  EXPECT_EQ(g_runs.load(), 1);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// The bug: the handler takes g_dev_lock, process context takes it with irqs
// enabled. Lockdep reports it from the second use, whichever comes first --
// without the unlucky timing that would deadlock.
TEST_F(IrqSignalTest, LockInHandlerAndWithIrqsOnIsInconsistent) {
  g_mode = kTakeLock;
  ASSERT_EQ(raise(kSignal), 0);  // IN-HARDIRQ-W
  EXPECT_EQ(g_runs.load(), 1);
  EXPECT_THAT(Kinds(), IsEmpty());
  spin_lock(&g_dev_lock);  // HARDIRQ-ON-W: reported here, outside the handler
  spin_unlock(&g_dev_lock);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kInconsistentLockState));
}

// The deadlock itself: the signal arrives while the interrupted code holds
// the lock with irqs on. The handler announces the lock (might_lock) rather
// than spinning on it for ever; the report is made inside the handler.
// Linux reports the usage conflict first (mark_usage runs before the chain
// checks); taking a lock this thread holds is also recursive locking.
TEST_F(IrqSignalTest, SignalWhileLockHeldWithIrqsOn) {
  g_mode = kMightLock;
  spin_lock(&g_dev_lock);  // HARDIRQ-ON-W
  ASSERT_EQ(raise(kSignal), 0);
  spin_unlock(&g_dev_lock);
  EXPECT_EQ(g_runs.load(), 1);
  const auto kinds = Kinds();
  ASSERT_FALSE(kinds.empty());
  EXPECT_EQ(kinds[0], ReportKind::kInconsistentLockState);
  EXPECT_THAT(kinds, ::testing::IsSubsetOf({ReportKind::kInconsistentLockState,
                                            ReportKind::kRecursiveLocking}));
}

TEST(IrqSignalInstallTest, RejectsWhatCannotBeAHandler) {
  EXPECT_EQ(lockdep::InstallIrqSignalHandler(SIGKILL, Handler), -EINVAL);
  EXPECT_EQ(lockdep::InstallIrqSignalHandler(SIGSTOP, Handler), -EINVAL);
  EXPECT_EQ(lockdep::InstallIrqSignalHandler(0, Handler), -EINVAL);
  EXPECT_EQ(lockdep::InstallIrqSignalHandler(SIGUSR2, nullptr), -EINVAL);
  EXPECT_EQ(lockdep::RemoveIrqSignalHandler(SIGUSR2), -EINVAL);
}

}  // namespace
