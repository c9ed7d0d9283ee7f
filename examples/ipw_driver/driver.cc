#include "examples/ipw_driver/driver.h"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "examples/ipw_driver/hardware.h"
#include "instrument/kernel.h"

namespace ipw {

namespace {

// priv->status bits (ipw2200's STATUS_*), changed atomically.
constexpr int STATUS_HCMD_ACTIVE = 0;  // a host command is in flight
constexpr int STATUS_INT_ENABLED = 1;  // the ISR may run the tasklet
constexpr int STATUS_EXIT_PENDING = 2;  // unloading: entry points back off

bool test_bit(int nr, const std::atomic<unsigned long>* addr) {
  return (addr->load(std::memory_order_acquire) >> nr) & 1;
}
void set_bit(int nr, std::atomic<unsigned long>* addr) {
  addr->fetch_or(1UL << nr, std::memory_order_acq_rel);
}
void clear_bit(int nr, std::atomic<unsigned long>* addr) {
  addr->fetch_and(~(1UL << nr), std::memory_order_acq_rel);
}
bool test_and_set_bit(int nr, std::atomic<unsigned long>* addr) {
  return (addr->fetch_or(1UL << nr, std::memory_order_acq_rel) >> nr) & 1;
}

constexpr int kTxRingSize = 64;
constexpr int kRxRingSize = 32;
constexpr unsigned long kCmdTimeoutJiffies = 1000;  // ms, never hit when correct
// kSleepWithLock holds priv->lock for this long per command: the wait times
// out because the tasklet cannot take the lock to deliver the response.
constexpr unsigned long kBuggyCmdTimeoutJiffies = 3;

enum Opcode { CMD_SET_CHANNEL = 1, CMD_GET_STATS = 2, CMD_SCAN = 3 };

struct network {
  bool present;
  int rssi;
  long beacons;
};

// The scheduler's side of tasklet_schedule(): not driver locking, so it uses
// std primitives lockdep does not see (as the kernel's softirq machinery is
// not a lock in the driver's graph).
class TaskletQueue {
 public:
  void Schedule() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      scheduled_ = true;
    }
    cv_.notify_one();
  }
  // Blocks until scheduled (true) or stopped (false).
  bool WaitScheduled() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return scheduled_ || stopped_; });
    scheduled_ = false;
    return !stopped_;
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool scheduled_ = false;
  bool stopped_ = false;
};

struct ipw_priv {
  Variant variant;
  Hardware hw;
  TaskletQueue tasklet;

  spinlock_t irq_lock;
  uint32_t isr_inta = 0;  // guarded by irq_lock

  spinlock_t lock;
  int cmd_seq = 0;          // guarded by lock
  int cmd_pending_id = 0;   // guarded by lock; 0: none
  int cmd_result = 0;       // guarded by lock
  int tx_ring_used = 0;     // guarded by lock
  RxFrame rx_ring[kRxRingSize];  // guarded by lock
  int rx_ring_used = 0;     // guarded by lock

  spinlock_t networks_lock;
  network networks[kNetworkIds] = {};  // guarded by networks_lock

  struct mutex mutex;
  struct mutex big_lock;  // kBigLock only
  struct semaphore cmd_sem;
  struct completion cmd_done;
  // kWorkqueueAnswer only: answers the tasklet hands to the answer work.
  struct semaphore answers_queued;
  Response answer = {};    // guarded by lock
  bool answer_ready = false;  // guarded by lock
  std::atomic<unsigned long> status{0};

  std::atomic<bool> stop{false};
  std::atomic<long> tx_frames{0}, tx_dropped{0}, rx_frames{0};
  std::atomic<long> commands_ok{0}, commands_busy{0}, commands_timed_out{0};
  std::atomic<long> scans_read{0};
};

// ---------------------------------------------------------------------------
// Interrupt path.

// Hard interrupt handler. Runs in hardirq context with irqs off.
void ipw_isr(ipw_priv* priv) {
  lockdep_assert_irqs_disabled();
  spin_lock(&priv->irq_lock);
  if (test_bit(STATUS_INT_ENABLED, &priv->status)) {
    // Tell the device to stop interrupting, ack, cache for the tasklet.
    priv->hw.MaskInterrupts();
    priv->isr_inta |= priv->hw.ReadAndAckInta();
    priv->tasklet.Schedule();
  }
  spin_unlock(&priv->irq_lock);
}

// Called from the tasklet with priv->lock held: a beacon updates the list.
void ipw_update_network(ipw_priv* priv, const RxFrame& f) {
  lockdep_assert_held(&priv->lock);
  spin_lock(&priv->networks_lock);  // irqs are already off
  network& n = priv->networks[f.network_id];
  n.present = true;
  n.rssi = f.rssi;
  ++n.beacons;
  spin_unlock(&priv->networks_lock);
}

void ipw_rx(ipw_priv* priv) {
  lockdep_assert_held(&priv->lock);
  RxFrame f;
  while (priv->hw.PopRx(&f)) {
    priv->rx_ring[priv->rx_ring_used++ % kRxRingSize] = f;
    if (f.beacon) ipw_update_network(priv, f);
    priv->rx_frames.fetch_add(1, std::memory_order_relaxed);
  }
  priv->rx_ring_used = 0;
}

// The bottom half. Runs in softirq context.
void ipw_irq_tasklet(ipw_priv* priv) {
  unsigned long flags;
  spin_lock_irqsave(&priv->irq_lock, flags);
  const uint32_t inta = priv->isr_inta;
  priv->isr_inta = 0;
  spin_unlock_irqrestore(&priv->irq_lock, flags);

  spin_lock_irqsave(&priv->lock, flags);
  if (inta & kIntaRx) ipw_rx(priv);
  if (inta & kIntaTxDone) {
    priv->tx_ring_used -= priv->hw.TakeTxDone();
    if (priv->tx_ring_used < 0) priv->tx_ring_used = 0;
  }
  if (inta & kIntaCmdDone) {
    Response r;
    while (priv->hw.PopResponse(&r)) {
      if (r.id != priv->cmd_pending_id) continue;  // answer to a timed-out one
      if (priv->variant == Variant::kWorkqueueAnswer) {
        // schedule_work(&priv->answer_work): the work delivers it.
        priv->answer = r;
        priv->answer_ready = true;
        up(&priv->answers_queued);
        continue;
      }
      priv->cmd_pending_id = 0;
      priv->cmd_result = r.value;
      clear_bit(STATUS_HCMD_ACTIVE, &priv->status);
      complete(&priv->cmd_done);  // wake_up(&priv->wait_command_queue)
    }
  }
  spin_unlock_irqrestore(&priv->lock, flags);
  priv->hw.UnmaskInterrupts();
}

void IrqThread(ipw_priv* priv) {
  while (priv->hw.WaitForInterrupt()) {
    // The CPU takes the interrupt: irqs off, then the handler.
    local_irq_disable();
    irq_enter();
    ipw_isr(priv);
    irq_exit();
    local_irq_enable();
  }
}

void TaskletThread(ipw_priv* priv) {
  while (priv->tasklet.WaitScheduled()) {
    // __do_softirq(): bottom halves off, then the softirq body.
    local_bh_disable();
    lockdep_softirq_enter();
    ipw_irq_tasklet(priv);
    lockdep_softirq_exit();
    local_bh_enable();
  }
}

// ---------------------------------------------------------------------------
// Host commands (process context).

// Queues the command and sleeps until the tasklet delivers its response.
// -EAGAIN when another command is in flight, -ETIMEDOUT when no answer came.
int __ipw_send_cmd(ipw_priv* priv, int opcode) {
  unsigned long flags;
  spin_lock_irqsave(&priv->lock, flags);
  if (test_and_set_bit(STATUS_HCMD_ACTIVE, &priv->status)) {
    spin_unlock_irqrestore(&priv->lock, flags);
    return -EAGAIN;
  }
  // Every answered command completes cmd_done exactly once, and its sender
  // consumes that once, so the completion needs no reinit between commands
  // (a reinit here could eat the wake-up the previous sender has yet to see).
  const int id = ++priv->cmd_seq;
  priv->cmd_pending_id = id;
  priv->hw.PostCommand({id, opcode});

  unsigned long left;
  if (priv->variant == Variant::kSleepWithLock) {
    // BUG: sleeps with a spinlock held (and irqs off). The tasklet spins on
    // priv->lock meanwhile, so the response cannot arrive: it times out.
    left = wait_for_completion_timeout(&priv->cmd_done, kBuggyCmdTimeoutJiffies);
    spin_unlock_irqrestore(&priv->lock, flags);
  } else {
    spin_unlock_irqrestore(&priv->lock, flags);
    left = wait_for_completion_timeout(&priv->cmd_done, kCmdTimeoutJiffies);
  }

  if (left == 0) {
    spin_lock_irqsave(&priv->lock, flags);
    const bool unanswered = priv->cmd_pending_id == id;
    if (unanswered) {  // give up on it: a late answer is ignored
      priv->cmd_pending_id = 0;
      clear_bit(STATUS_HCMD_ACTIVE, &priv->status);
    }
    spin_unlock_irqrestore(&priv->lock, flags);
    if (unanswered) {
      priv->commands_timed_out.fetch_add(1, std::memory_order_relaxed);
      return -ETIMEDOUT;
    }
    // Answered between the time-out and the check: take its wake-up.
    wait_for_completion(&priv->cmd_done);
  }
  priv->commands_ok.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

// "Lock" flavour: queue behind the other sleeping senders, retry while a
// trylock-flavour command is in flight.
int ipw_send_cmd(ipw_priv* priv, int opcode) {
  down(&priv->cmd_sem);
  int rc;
  while ((rc = __ipw_send_cmd(priv, opcode)) == -EAGAIN &&
         !test_bit(STATUS_EXIT_PENDING, &priv->status)) {
    msleep(1);
  }
  up(&priv->cmd_sem);
  return rc;
}

// "Trylock" flavour: never waits for another command; -EAGAIN if one is in
// flight (the caller retries later, as ipw2200's callers of __ipw_send_cmd).
int ipw_send_cmd_try(ipw_priv* priv, int opcode) {
  const int rc = __ipw_send_cmd(priv, opcode);
  if (rc == -EAGAIN) priv->commands_busy.fetch_add(1, std::memory_order_relaxed);
  return rc;
}

// ---------------------------------------------------------------------------
// Process-context entry points.

// hard_start_xmit: queue one frame on the TX ring.
void ipw_tx(ipw_priv* priv) {
  unsigned long flags = 0;
  if (priv->variant == Variant::kRingLockIrqsOn) {
    spin_lock(&priv->lock);  // BUG: the tasklet takes this lock
  } else {
    spin_lock_irqsave(&priv->lock, flags);
  }
  if (priv->tx_ring_used < kTxRingSize) {
    ++priv->tx_ring_used;
    priv->hw.PostTx();
    priv->tx_frames.fetch_add(1, std::memory_order_relaxed);
  } else {
    priv->tx_dropped.fetch_add(1, std::memory_order_relaxed);
  }
  if (priv->variant == Variant::kRingLockIrqsOn) {
    spin_unlock(&priv->lock);
  } else {
    spin_unlock_irqrestore(&priv->lock, flags);
  }
}

// The big-lock design wraps every process-context entry point in this.
class EntryPoint {
 public:
  explicit EntryPoint(ipw_priv* priv)
      : priv_(priv->variant == Variant::kBigLock ? priv : nullptr) {
    if (priv_ != nullptr) mutex_lock(&priv_->big_lock);
  }
  ~EntryPoint() {
    if (priv_ != nullptr) mutex_unlock(&priv_->big_lock);
  }
  EntryPoint(const EntryPoint&) = delete;
  EntryPoint& operator=(const EntryPoint&) = delete;

 private:
  ipw_priv* priv_;
};

// In the per-resource design, configuration is serialised by priv->mutex;
// under the big lock that is already the case.
void ConfigLock(ipw_priv* priv) {
  if (priv->variant != Variant::kBigLock) mutex_lock(&priv->mutex);
}
void ConfigUnlock(ipw_priv* priv) {
  if (priv->variant != Variant::kBigLock) mutex_unlock(&priv->mutex);
}

void TxThread(ipw_priv* priv) {
  while (!priv->stop.load(std::memory_order_relaxed)) {
    {
      EntryPoint entry(priv);
      ipw_tx(priv);
    }
    std::this_thread::yield();
  }
}

// SIOCGIWSCAN: copy the network list out.
int ipw_get_scan(ipw_priv* priv) {
  unsigned long flags;
  int present = 0;
  spin_lock_irqsave(&priv->networks_lock, flags);
  for (const network& n : priv->networks) present += n.present ? 1 : 0;
  spin_unlock_irqrestore(&priv->networks_lock, flags);
  priv->scans_read.fetch_add(1, std::memory_order_relaxed);
  return present;
}

void IoctlThread(ipw_priv* priv, int index) {
  for (long i = index; !priv->stop.load(std::memory_order_relaxed); ++i) {
    EntryPoint entry(priv);
    switch (i % 3) {
      case 0:  // SIOCSIWFREQ: a configuration change, synchronous command
        ConfigLock(priv);
        ipw_send_cmd(priv, CMD_SET_CHANNEL);
        ConfigUnlock(priv);
        break;
      case 1:  // SIOCGIWSCAN
        ipw_get_scan(priv);
        break;
      case 2:  // SIOCGIWSTATS: best effort, never waits for another command
        ipw_send_cmd_try(priv, CMD_GET_STATS);
        break;
    }
  }
}

// kWorkqueueAnswer: the work item that delivers a command's answer. BUG: it
// takes priv->mutex (to apply the answer to the configuration) before it
// completes cmd_done, and config senders wait for cmd_done holding
// priv->mutex: the answer waits until the sender gives up on it.
void AnswerWorkThread(ipw_priv* priv) {
  for (;;) {
    down(&priv->answers_queued);
    if (priv->stop.load(std::memory_order_relaxed) &&
        test_bit(STATUS_EXIT_PENDING, &priv->status) &&
        !test_bit(STATUS_INT_ENABLED, &priv->status)) {
      return;
    }
    mutex_lock(&priv->mutex);
    unsigned long flags;
    spin_lock_irqsave(&priv->lock, flags);
    if (priv->answer_ready && priv->answer.id == priv->cmd_pending_id) {
      priv->answer_ready = false;
      priv->cmd_pending_id = 0;
      priv->cmd_result = priv->answer.value;
      clear_bit(STATUS_HCMD_ACTIVE, &priv->status);
      complete(&priv->cmd_done);
    }
    spin_unlock_irqrestore(&priv->lock, flags);
    mutex_unlock(&priv->mutex);
  }
}

// The driver's workqueue: a periodic scan request.
void WorkqueueThread(ipw_priv* priv) {
  while (!priv->stop.load(std::memory_order_relaxed)) {
    {
      EntryPoint entry(priv);
      ConfigLock(priv);
      ipw_send_cmd(priv, CMD_SCAN);
      ConfigUnlock(priv);
    }
    msleep(2);  // process context, no locks held: sleeping is fine
  }
}

void ipw_init(ipw_priv* priv, Variant variant) {
  priv->variant = variant;
  spin_lock_init(&priv->irq_lock);
  spin_lock_init(&priv->lock);
  spin_lock_init(&priv->networks_lock);
  mutex_init(&priv->mutex);
  mutex_init(&priv->big_lock);
  sema_init(&priv->cmd_sem, 1);
  init_completion(&priv->cmd_done);
  sema_init(&priv->answers_queued, 0);
  // A command that gets no answer is lost (the firmware is declared hung),
  // not a path the driver goes on by: its timeout does not break a cycle.
  if (variant == Variant::kWorkqueueAnswer) {
    lockdep_event_set_timeout_unhandled(&priv->cmd_done.dep_map);
  }
  set_bit(STATUS_INT_ENABLED, &priv->status);
}

}  // namespace

const char* VariantName(Variant v) {
  switch (v) {
    case Variant::kCorrect: return "correct";
    case Variant::kRingLockIrqsOn: return "ring_lock_irqs_on";
    case Variant::kSleepWithLock: return "sleep_with_lock";
    case Variant::kBigLock: return "big_lock";
    case Variant::kWorkqueueAnswer: return "workqueue_answer";
  }
  return "?";
}

bool ParseVariant(const std::string& name, Variant* v) {
  for (Variant c : {Variant::kCorrect, Variant::kRingLockIrqsOn,
                    Variant::kSleepWithLock, Variant::kBigLock,
                    Variant::kWorkqueueAnswer}) {
    if (name == VariantName(c)) {
      *v = c;
      return true;
    }
  }
  return false;
}

bool ExpectedReport(Variant v, lockdep::ReportKind* kind) {
  switch (v) {
    case Variant::kRingLockIrqsOn:
      *kind = lockdep::ReportKind::kInconsistentLockState;
      return true;
    case Variant::kSleepWithLock:
      *kind = lockdep::ReportKind::kSleepInAtomic;
      return true;
    case Variant::kWorkqueueAnswer:
      *kind = lockdep::ReportKind::kCircularWait;
      return true;
    case Variant::kCorrect:
    case Variant::kBigLock:
      return false;
  }
  return false;
}

bool ExpectedReportMayRepeat(Variant v) { return v == Variant::kWorkqueueAnswer; }

Stats RunDriver(const Options& options) {
  auto priv = std::make_unique<ipw_priv>();
  ipw_init(priv.get(), options.variant);
  priv->hw.Start();
  std::thread irq(IrqThread, priv.get());
  std::thread tasklet(TaskletThread, priv.get());
  std::thread answer_work;
  if (options.variant == Variant::kWorkqueueAnswer) {
    answer_work = std::thread(AnswerWorkThread, priv.get());
  }

  // Probe: ask the firmware once before the entry points open (as a
  // driver's probe reads the firmware's state), holding no lock.
  ipw_send_cmd(priv.get(), CMD_GET_STATS);

  std::vector<std::thread> process;
  process.emplace_back(TxThread, priv.get());
  process.emplace_back(WorkqueueThread, priv.get());
  for (int i = 0; i < options.ioctl_threads; ++i) {
    process.emplace_back(IoctlThread, priv.get(), i);
  }

  std::this_thread::sleep_for(options.duration);

  // Unload: entry points first (their commands still need the interrupt
  // path), then the device, the irq line and the tasklet.
  set_bit(STATUS_EXIT_PENDING, &priv->status);
  priv->stop.store(true, std::memory_order_relaxed);
  for (std::thread& t : process) t.join();
  clear_bit(STATUS_INT_ENABLED, &priv->status);
  priv->hw.Stop();
  irq.join();
  priv->tasklet.Stop();
  tasklet.join();
  if (answer_work.joinable()) {  // flush_work(): nothing is queued any more
    up(&priv->answers_queued);
    answer_work.join();
  }

  Stats s;
  s.tx_frames = priv->tx_frames.load();
  s.tx_dropped = priv->tx_dropped.load();
  s.rx_frames = priv->rx_frames.load();
  s.commands_ok = priv->commands_ok.load();
  s.commands_busy = priv->commands_busy.load();
  s.commands_timed_out = priv->commands_timed_out.load();
  s.scans_read = priv->scans_read.load();
  unsigned long flags;
  spin_lock_irqsave(&priv->networks_lock, flags);
  for (const network& n : priv->networks) s.networks_known += n.present;
  spin_unlock_irqrestore(&priv->networks_lock, flags);
  return s;
}

std::string DescribeLockGraph(Variant v) {
  std::string out;
  if (v == Variant::kBigLock) {
    out +=
        "lock classes (one big lock in every entry point):\n"
        "  &priv->big_lock      mutex     every process-context entry point,\n"
        "                                 held across command round trips\n"
        "  &priv->lock          spinlock  softirq-safe (tasklet), irqsave\n"
        "  &priv->irq_lock      spinlock  hardirq-safe (ISR), irqsave\n"
        "  &priv->networks_lock spinlock  softirq-safe (tasklet), irqsave\n"
        "dependencies:\n"
        "  &priv->big_lock -> &priv->lock           (TX, commands)\n"
        "  &priv->big_lock -> &priv->networks_lock  (scan results)\n"
        "  &priv->lock -> &priv->networks_lock      (tasklet: beacons)\n"
        "every entry point funnels through one class: TX waits behind each\n"
        "command round trip, and the interrupt path cannot take it at all.\n";
  } else {
    out +=
        "lock classes (one lock per resource):\n"
        "  &priv->mutex         mutex     configuration (ioctls, work items)\n"
        "  &priv->lock          spinlock  command queue, TX/RX rings;\n"
        "                                 softirq-safe (tasklet), irqsave\n"
        "  &priv->irq_lock      spinlock  interrupt status; hardirq-safe (ISR)\n"
        "  &priv->networks_lock spinlock  network list; softirq-safe\n"
        "  priv->cmd_sem        semaphore one sleeping sender (no lock order)\n"
        "  STATUS_HCMD_ACTIVE   atomic bit one command in flight\n"
        "dependencies:\n"
        "  &priv->mutex -> &priv->lock              (commands)\n"
        "  &priv->lock -> &priv->networks_lock      (tasklet: beacons)\n"
        "TX, scans and commands only meet where they share data.\n";
  }
  out +=
      "(the driver's design; the graph this run learnt is written by\n"
      " LOCKDEP_OPTIONS=dump_text=FILE)\n";
  return out;
}

}  // namespace ipw
