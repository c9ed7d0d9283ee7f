#include "instrument/kernel/irq.h"

#include "instrument/kernel/lock_context.h"
#include "runtime/lockdep.h"

namespace {

using lockdep::kernel_internal::HardirqsOn;
using lockdep::kernel_internal::IrqRestore;
using lockdep::kernel_internal::IrqSave;

}  // namespace

// Out of line and never inlined, so LOCKDEP_RET_IP is in the caller's code.
__attribute__((noinline)) void local_irq_disable() {
  lockdep_hardirqs_off(LOCKDEP_RET_IP);
}

__attribute__((noinline)) void local_irq_enable() {
  HardirqsOn(LOCKDEP_RET_IP);
}

__attribute__((noinline)) unsigned long _local_irq_save() {
  return IrqSave(LOCKDEP_RET_IP);
}

__attribute__((noinline)) void _local_irq_restore(unsigned long flags) {
  IrqRestore(flags, LOCKDEP_RET_IP);
}

__attribute__((noinline)) void local_bh_disable() {
  lockdep_softirqs_off(LOCKDEP_RET_IP);
}

__attribute__((noinline)) void local_bh_enable() {
  lockdep_softirqs_on(LOCKDEP_RET_IP);
}

__attribute__((noinline)) void irq_enter() {
  lockdep_hardirq_enter(LOCKDEP_RET_IP);
}

// Leaving the handler may turn irqs back on: deliver what arrived meanwhile.
__attribute__((noinline)) void irq_exit() {
  lockdep_hardirq_exit(LOCKDEP_RET_IP);
  if (lockdep_hardirqs_enabled()) {
    lockdep::kernel_internal::RunPendingIrqSignals();
  }
}

__attribute__((noinline)) void lockdep_softirq_enter() {
  lockdep_softirq_enter(LOCKDEP_RET_IP);
}

__attribute__((noinline)) void lockdep_softirq_exit() {
  lockdep_softirq_exit(LOCKDEP_RET_IP);
}
