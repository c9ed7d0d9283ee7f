// A simulated wireless driver with the locking design of Linux's ipw2200
// (drivers/net/wireless/intel/ipw2x00/ipw2200.c), run under lockdep.
//
// Contexts, as in the kernel driver:
//   hardirq   the ISR (ipw_isr): takes priv->irq_lock, reads and acks the
//             interrupt status, masks the line, schedules the tasklet.
//   softirq   the tasklet (ipw_irq_tasklet): priv->irq_lock (irqsave) to pick
//             up the cached status, then priv->lock (irqsave) to drain the RX
//             ring (beacons update the network list under its own lock),
//             reclaim the TX ring and complete the pending host command.
//   process   user-space "ioctl" threads and a workqueue thread, serialised by
//             priv->mutex, sending synchronous host commands; a TX thread
//             queueing frames under priv->lock.
// Locks protect data, one lock per resource:
//   priv->irq_lock       the interrupt status cache (hardirq-safe)
//   priv->lock           command queue, TX/RX rings (softirq-safe: irqsave)
//   priv->networks_lock  the list of networks (softirq-safe)
//   priv->mutex          configuration done by ioctls and work items
//   priv->cmd_sem        one sleeping command sender at a time (a semaphore:
//                        no lock order, may be released by another thread)
//   priv->status         STATUS_* bits, changed with atomic bit operations;
//                        STATUS_HCMD_ACTIVE admits one command in flight
// A host command is synchronous: the sender queues it under priv->lock, drops
// the lock, and sleeps on priv->cmd_done (a completion: the wait queue) until
// the tasklet sees the response. The "lock" flavour queues behind cmd_sem; the
// "trylock" flavour returns -EAGAIN when a command is already in flight.
#ifndef LOCKDEP_EXAMPLES_IPW_DRIVER_DRIVER_H_
#define LOCKDEP_EXAMPLES_IPW_DRIVER_DRIVER_H_

#include <chrono>
#include <string>

#include "runtime/report.h"

namespace ipw {

// How the driver is built: the correct design, or one classic mistake.
enum class Variant {
  kCorrect,          // per-resource locks, as ipw2200
  kRingLockIrqsOn,   // TX path takes priv->lock with spin_lock(): irqs and
                     // bottom halves stay enabled -> "inconsistent lock state"
  kSleepWithLock,    // a command sender sleeps for the response holding
                     // priv->lock -> "sleeping function called from invalid
                     // context" (and the command times out: the tasklet
                     // needs that lock to deliver the response)
  kBigLock,          // "one big semaphore in every entry point": every
                     // process-context entry point holds priv->big_lock for
                     // its whole run. Lockdep-clean, but TX waits behind
                     // every command round trip.
  kWorkqueueAnswer,  // the tasklet hands command answers to a work item
                     // that takes priv->mutex before it completes
                     // cmd_done, while config senders wait holding
                     // priv->mutex -> "possible circular wait dependency
                     // detected" (config commands stall behind the work)
};

// "correct", "ring_lock_irqs_on", "sleep_with_lock", "big_lock",
// "workqueue_answer".
const char* VariantName(Variant v);
// Parses a VariantName; false when unknown.
bool ParseVariant(const std::string& name, Variant* v);

// The report a variant must produce (the runtime's ReportKind), or nullptr-
// like false for the clean ones.
bool ExpectedReport(Variant v, lockdep::ReportKind* kind);

// True when that report may come more than once, each time a true finding:
// kWorkqueueAnswer has two cycles through its waits (priv->mutex ->
// cmd_done -> priv->mutex, and through cmd_sem), and which one a run sees
// first, or whether it sees both, depends on which sender waits first.
bool ExpectedReportMayRepeat(Variant v);

struct Options {
  Variant variant = Variant::kCorrect;
  std::chrono::milliseconds duration{1000};
  int ioctl_threads = 2;
};

struct Stats {
  long tx_frames = 0;         // queued on the TX ring
  long tx_dropped = 0;        // TX ring full
  long rx_frames = 0;         // drained from the RX ring
  long commands_ok = 0;
  long commands_busy = 0;     // trylock flavour: -EAGAIN
  long commands_timed_out = 0;
  long scans_read = 0;        // network-list reads by ioctls
  int networks_known = 0;
};

// Loads the driver, runs every context for `duration` under load, unloads it,
// and returns what happened. Bounded: returns within about duration + 1 s.
// Thread-safe to call again afterwards (not concurrently).
Stats RunDriver(const Options& options);

// The lock classes and dependencies of a design, as the driver's code takes
// them (the correct design for every variant but kBigLock), for people. The
// graph a run really learnt is LOCKDEP_OPTIONS=dump_text=FILE's.
std::string DescribeLockGraph(Variant v);

}  // namespace ipw

#endif  // LOCKDEP_EXAMPLES_IPW_DRIVER_DRIVER_H_
