// Delays, as <linux/delay.h>: msleep() sleeps (and so may not be called in
// atomic context: it calls might_sleep() first), mdelay()/udelay() busy-wait
// (allowed anywhere, as in the kernel, and as costly as they are long).
#ifndef LOCKDEP_INSTRUMENT_KERNEL_DELAY_H_
#define LOCKDEP_INSTRUMENT_KERNEL_DELAY_H_

// Sleeps at least `msecs` milliseconds (restarting after signals). Reports
// "sleeping function called from invalid context" when called with a spinning
// lock held, irqs or bottom halves disabled, or in interrupt context.
void msleep(unsigned int msecs);

// Busy-waits `msecs` milliseconds / `usecs` microseconds without sleeping.
void mdelay(unsigned long msecs);
void udelay(unsigned long usecs);

#endif  // LOCKDEP_INSTRUMENT_KERNEL_DELAY_H_
