// A tour of what lockdep for user space finds, one scenario at a time. Each
// scenario is a small piece of "driver" code with a locking mistake that has
// not deadlocked (yet); the runtime reports it the first time the pattern is
// seen. The tour checks that every scenario produced the report it should,
// and exits 0 when all did.
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "instrument/kernel.h"
#include "runtime/report.h"

namespace {

struct device {
  struct mutex lock;
  spinlock_t stats_lock;
  long packets = 0;
};

struct bus {
  struct mutex lock;
};

void device_init(device* dev) {
  mutex_init(&dev->lock);
  spin_lock_init(&dev->stats_lock);
}

// Must be called with dev->lock held: the assert documents and checks it.
void device_count_packet(device* dev) {
  lockdep_assert_held(&dev->lock);
  dev->packets++;
}

struct Scenario {
  const char* title;
  const char* story;
  lockdep::ReportKind expected;
  std::function<void()> run;
};

void Say(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

int main() {
  // The tour judges its own outcome below; reports are what it is here to show.
  lockdep::SetReportExitCode(0);

  static device dev_a, dev_b;
  static bus pci;
  device_init(&dev_a);
  device_init(&dev_b);
  mutex_init(&pci.lock);

  std::vector<Scenario> scenarios = {
      {"ABBA across two threads",
       "A probe thread takes dev->lock then bus->lock; later a hot-plug thread\n"
       "takes bus->lock then dev->lock. The threads never overlap, so nothing\n"
       "hangs today; lockdep reports the order the moment the second one is seen.",
       lockdep::ReportKind::kCircularDependency,
       [] {
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
       }},
      {"two locks of one class without a nesting annotation",
       "Every device's lock is initialised at one site, so all are one class.\n"
       "Taking dev_b's while holding dev_a's is fine only if some order is\n"
       "guaranteed; lockdep asks for mutex_lock_nested() to say so.",
       lockdep::ReportKind::kRecursiveLocking,
       [] {
         mutex_lock(&dev_a.lock);
         mutex_lock(&dev_b.lock);
         mutex_unlock(&dev_b.lock);
         mutex_unlock(&dev_a.lock);
         // The annotated form is silent:
         mutex_lock(&dev_a.lock);
         mutex_lock_nested(&dev_b.lock, SINGLE_DEPTH_NESTING);
         mutex_unlock(&dev_b.lock);
         mutex_unlock(&dev_a.lock);
       }},
      {"a caller that forgot the lock",
       "device_count_packet() asserts that dev->lock is held; a new caller\n"
       "calls it bare.",
       lockdep::ReportKind::kAssertHeldFailed,
       [] {
         mutex_lock(&dev_a.lock);
         device_count_packet(&dev_a);  // fine
         mutex_unlock(&dev_a.lock);
         device_count_packet(&dev_a);  // not fine
       }},
      {"double unlock on an error path",
       "An error path unlocks the stats lock that the common exit unlocks again.",
       lockdep::ReportKind::kBadUnlockBalance,
       [] {
         spin_lock(&dev_a.stats_lock);
         spin_unlock(&dev_a.stats_lock);  // error path
         spin_unlock(&dev_a.stats_lock);  // common exit
       }},
      {"a lock taken in an interrupt handler and with interrupts enabled",
       "The device's interrupt handler takes stats_lock; a process-context\n"
       "path takes it with plain spin_lock(), irqs still on. The day the\n"
       "interrupt arrives on that CPU inside the critical section, the handler\n"
       "spins on a lock its own CPU holds. Use spin_lock_irqsave() there.",
       lockdep::ReportKind::kInconsistentLockState,
       [] {
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
       }},
      {"sleeping with a spinlock held",
       "A reset path holds the stats spinlock (irqs off) and then takes the\n"
       "device mutex, which may sleep: every other CPU spinning on the lock\n"
       "waits for the sleeper, and with irqs off the scheduler may never come.",
       lockdep::ReportKind::kSleepInAtomic,
       [] {
         unsigned long flags;
         spin_lock_irqsave(&dev_b.stats_lock, flags);
         mutex_lock(&dev_b.lock);  // might sleep
         mutex_unlock(&dev_b.lock);
         spin_unlock_irqrestore(&dev_b.stats_lock, flags);
       }},
      {"a worker thread that returns with a lock held",
       "The worker's early return skips its unlock.",
       lockdep::ReportKind::kLockHeldAtExit,
       [] {
         std::thread worker([] { spin_lock(&dev_b.stats_lock); });
         worker.join();
       }},
  };

  int missed = 0;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& s = scenarios[i];
    Say("\n### " + std::to_string(i + 1) + ". " + s.title + "\n" + s.story + "\n\n");
    size_t before = lockdep::CollectedReports().size();
    s.run();
    std::vector<lockdep::Report> reports = lockdep::CollectedReports();
    bool seen = false;
    for (size_t r = before; r < reports.size(); ++r) seen |= reports[r].kind == s.expected;
    Say(std::string("\n--> ") + (seen ? "reported: " : "MISSED: ") +
        lockdep::ReportKindName(s.expected) + "\n");
    missed += !seen;
  }
  Say("\n" + std::to_string(scenarios.size() - missed) + " of " +
      std::to_string(scenarios.size()) + " scenarios produced the expected report.\n");
  return missed == 0 ? 0 : 1;
}
