// The ipw2200-style driver example (examples/ipw_driver/) as tour scenarios:
// each design variant run briefly under load.
#include <chrono>
#include <cstdio>
#include <string>

#include "examples/ipw_driver/driver.h"
#include "examples/scenario.h"

namespace examples {
namespace {

// The report a variant must make, from the driver itself.
std::vector<lockdep::ReportKind> Expected(ipw::Variant v) {
  lockdep::ReportKind kind;
  if (!ipw::ExpectedReport(v, &kind)) return {};
  return {kind};
}

template <ipw::Variant kVariant>
int RunVariant() {
  ipw::Options options;
  options.variant = kVariant;
  options.duration = std::chrono::milliseconds(300);
  const ipw::Stats s = ipw::RunDriver(options);
  char line[200];
  std::snprintf(line, sizeof(line),
                "ipw driver, variant %s: tx frames %ld, rx frames %ld, "
                "commands ok %ld, timed out %ld\n",
                ipw::VariantName(kVariant), s.tx_frames, s.rx_frames,
                s.commands_ok, s.commands_timed_out);
  Say(line);
  return 0;
}

}  // namespace

std::vector<Scenario> DriverScenarios() {
  return {
      {"ipw_correct", "ipw driver: per-resource locks (the ipw2200 design)",
       "Interrupt handler, tasklet, ioctl threads and a workqueue share the\n"
       "device, each resource under its own lock with the irq discipline its\n"
       "users' contexts need. Under load: no report.",
       Expected(ipw::Variant::kCorrect), "", "",
       RunVariant<ipw::Variant::kCorrect>},
      {"ipw_ring_lock_irqs_on",
       "ipw driver: TX path takes the ring lock with irqs on",
       "The tasklet takes priv->lock in softirq context; the TX path takes it\n"
       "with plain spin_lock(), bottom halves enabled. Reported the first "
       "time\n"
       "both uses are seen, not the day the tasklet interrupts that section.",
       Expected(ipw::Variant::kRingLockIrqsOn), "", "",
       RunVariant<ipw::Variant::kRingLockIrqsOn>},
      {"ipw_sleep_with_lock",
       "ipw driver: sleeping for a command's answer holding priv->lock",
       "A command sender waits on its completion holding the spinlock that\n"
       "the tasklet needs to deliver the answer: the command times out, and\n"
       "the sleep under a spinlock is reported.",
       Expected(ipw::Variant::kSleepWithLock), "", "",
       RunVariant<ipw::Variant::kSleepWithLock>},
      {"ipw_big_lock", "ipw driver: one big lock in every entry point",
       "Lockdep-clean (every edge starts at the big lock), but it locks code,\n"
       "not data: TX waits behind every firmware round trip.",
       Expected(ipw::Variant::kBigLock), "", "",
       RunVariant<ipw::Variant::kBigLock>},
      {"ipw_workqueue_answer",
       "ipw driver: a command's answer delivered by a work item",
       "The work item takes priv->mutex before it completes the command,\n"
       "while config senders wait for it holding priv->mutex: commands\n"
       "stall. A wait, not a lock, closes the cycle: reported as a circular\n"
       "wait the first time both sides are seen, no stall needed.",
       Expected(ipw::Variant::kWorkqueueAnswer), "", "",
       RunVariant<ipw::Variant::kWorkqueueAnswer>,
       /*repeats_ok=*/ipw::ExpectedReportMayRepeat(ipw::Variant::kWorkqueueAnswer)},
  };
}

}  // namespace examples
