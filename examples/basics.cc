// The first examples: a small "device" and "bus" with one classic locking
// mistake each, none of which has deadlocked (yet). Every lock is named in
// the stories as the reports name it: by its class, the argument of the
// *_init call that created it (&dev->lock, &pci.lock, &dev->stats_lock).
#include <thread>

#include "examples/scenario.h"
#include "instrument/kernel.h"

namespace examples {
namespace {

struct device {
  struct mutex lock;
  spinlock_t stats_lock;
  long packets = 0;
};

struct bus {
  struct mutex lock;
};

device dev_a, dev_b;
bus pci;

void device_init(device* dev) {
  mutex_init(&dev->lock);
  spin_lock_init(&dev->stats_lock);
}

// Every scenario runs in a fresh process, from this state.
void Setup() {
  device_init(&dev_a);
  device_init(&dev_b);
  mutex_init(&pci.lock);
}

// Must be called with dev->lock held: the assert documents and checks it.
void device_count_packet(device* dev) {
  lockdep_assert_held(&dev->lock);
  dev->packets++;
}

int Abba() {
  Setup();
  std::thread probe([] {
    mutex_lock(&dev_a.lock);
    mutex_lock(&pci.lock);
    mutex_unlock(&pci.lock);
    mutex_unlock(&dev_a.lock);
  });
  probe.join();
  std::thread hotplug([] {
    mutex_lock(&pci.lock);
    mutex_lock(&dev_a.lock);
    mutex_unlock(&dev_a.lock);
    mutex_unlock(&pci.lock);
  });
  hotplug.join();
  return 0;
}

int SameClassNesting() {
  Setup();
  mutex_lock(&dev_a.lock);
  mutex_lock(&dev_b.lock);
  mutex_unlock(&dev_b.lock);
  mutex_unlock(&dev_a.lock);
  // The annotated form is silent:
  mutex_lock(&dev_a.lock);
  mutex_lock_nested(&dev_b.lock, SINGLE_DEPTH_NESTING);
  mutex_unlock(&dev_b.lock);
  mutex_unlock(&dev_a.lock);
  return 0;
}

int ForgottenLock() {
  Setup();
  mutex_lock(&dev_a.lock);
  device_count_packet(&dev_a);  // fine
  mutex_unlock(&dev_a.lock);
  device_count_packet(&dev_a);  // not fine
  return 0;
}

int DoubleUnlock() {
  Setup();
  spin_lock(&dev_a.stats_lock);
  spin_unlock(&dev_a.stats_lock);  // error path
  spin_unlock(&dev_a.stats_lock);  // common exit
  return 0;
}

int IrqUnsafeUse() {
  Setup();
  local_irq_disable();  // the CPU takes the interrupt
  irq_enter();
  spin_lock(&dev_a.stats_lock);  // in the handler: irq-safe
  dev_a.packets++;
  spin_unlock(&dev_a.stats_lock);
  irq_exit();
  local_irq_enable();
  spin_lock(&dev_a.stats_lock);  // process context, irqs on
  dev_a.packets = 0;
  spin_unlock(&dev_a.stats_lock);
  return 0;
}

int SleepUnderSpinlock() {
  Setup();
  unsigned long flags;
  spin_lock_irqsave(&dev_b.stats_lock, flags);
  mutex_lock(&dev_b.lock);  // might sleep
  mutex_unlock(&dev_b.lock);
  spin_unlock_irqrestore(&dev_b.stats_lock, flags);
  return 0;
}

int WorkerExitsLocked() {
  Setup();
  std::thread worker([] { spin_lock(&dev_b.stats_lock); });
  worker.join();
  return 0;
}

}  // namespace

std::vector<Scenario> BasicScenarios() {
  using lockdep::ReportKind;
  return {
      {"abba",
       "ABBA across two threads",
       "A probe thread takes &dev->lock then &pci.lock; later a hot-plug\n"
       "thread takes &pci.lock then &dev->lock. The threads never overlap, so\n"
       "nothing hangs today; lockdep reports the order the moment the second\n"
       "one is seen.",
       {ReportKind::kCircularDependency},
       "",
       "",
       Abba},
      {"same_class_nesting",
       "two locks of one class without a nesting annotation",
       "Every device's lock is initialised at one site, so all are one class,\n"
       "&dev->lock. Taking dev_b's while holding dev_a's is fine only if some\n"
       "order is guaranteed; lockdep asks for mutex_lock_nested() to say so\n"
       "(the annotated form, run next, is silent).",
       {ReportKind::kRecursiveLocking},
       "",
       "",
       SameClassNesting},
      {"forgotten_lock",
       "a caller that forgot the lock",
       "device_count_packet() asserts that &dev->lock is held; a new caller\n"
       "calls it bare.",
       {ReportKind::kAssertHeldFailed},
       "",
       "",
       ForgottenLock},
      {"double_unlock",
       "double unlock on an error path",
       "An error path unlocks &dev->stats_lock, which the common exit unlocks\n"
       "again.",
       {ReportKind::kBadUnlockBalance},
       "",
       "",
       DoubleUnlock},
      {"irq_unsafe_use",
       "a lock taken in an interrupt handler and with interrupts enabled",
       "The device's interrupt handler takes &dev->stats_lock; a process-\n"
       "context path takes it with plain spin_lock(), irqs still on. The day\n"
       "the interrupt arrives on that CPU inside the critical section, the\n"
       "handler spins on a lock its own CPU holds. Use spin_lock_irqsave().",
       {ReportKind::kInconsistentLockState},
       "",
       "",
       IrqUnsafeUse},
      {"sleep_under_spinlock",
       "sleeping with a spinlock held",
       "A reset path holds &dev->stats_lock (irqs off) and then takes\n"
       "&dev->lock, a mutex, which may sleep: every other CPU spinning on the\n"
       "lock waits for the sleeper, and with irqs off the scheduler may never\n"
       "come.",
       {ReportKind::kSleepInAtomic},
       "",
       "",
       SleepUnderSpinlock},
      {"worker_exits_locked",
       "a worker thread that returns with a lock held",
       "The worker's early return skips its unlock of &dev->stats_lock.",
       {ReportKind::kLockHeldAtExit},
       "",
       "",
       WorkerExitsLocked},
  };
}

}  // namespace examples
