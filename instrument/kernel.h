// The kernel-style API: Linux's lock primitives and lockdep annotations, with
// the same names, argument order and return values, validated by the lockdep
// runtime (runtime/lockdep.h). C++ only.
//
//   spinlock_t            spin_lock(), spin_lock_irqsave(l, flags), ...
//   rwlock_t              read_lock(), write_lock(), ... (recursive readers)
//   struct mutex          mutex_lock(), mutex_lock_nested(), ...
//   struct rw_semaphore   down_read(), down_write(), downgrade_write(), ...
//   struct semaphore      sema_init(), down(), up()
//   struct completion     wait_for_completion(), complete(), ...
//   struct ww_mutex       ww_acquire_init(), ww_mutex_lock() (-EDEADLK back-off),
//                         ww_mutex_lock_slow(), ww_acquire_fini(), ...
//   annotations           lockdep_assert_held(), lockdep_set_class(),
//                         lock_map_acquire(), might_lock(), might_sleep(), ...
//   contexts              local_irq_save(flags), local_bh_disable(),
//                         irq_enter(), in_interrupt(), ... (irq.h);
//                         lockdep::InstallIrqSignalHandler() (irq_signal.h)
//   delays                msleep() (sleeps), mdelay(), udelay() (spin)
//   memory                kmalloc(), kzalloc(), kfree() (checks and quarantines
//                         the locks it frees), ERR_PTR(), IS_ERR(), ... (slab.h)
//   reclaim               GFP_KERNEL takes the fs_reclaim map: might_alloc(),
//                         fs_reclaim_acquire/release(gfp),
//                         memalloc_noreclaim_save/restore() (reclaim.h)
//
// Every lock must be initialised (*_init or DEFINE_*) before use. The *_init
// macros give each call site its own static lock_class_key, so all locks
// initialised at one site form one class, named by the argument as written.
// Errors are negated <cerrno> constants, as in the kernel.
#ifndef LOCKDEP_INSTRUMENT_KERNEL_H_
#define LOCKDEP_INSTRUMENT_KERNEL_H_

#include <cerrno>

#include "instrument/kernel/annotations.h"
#include "instrument/kernel/completion.h"
#include "instrument/kernel/delay.h"
#include "instrument/kernel/gfp.h"
#include "instrument/kernel/irq.h"
#include "instrument/kernel/irq_signal.h"
#include "instrument/kernel/mutex.h"
#include "instrument/kernel/reclaim.h"
#include "instrument/kernel/rwlock.h"
#include "instrument/kernel/rwsem.h"
#include "instrument/kernel/semaphore.h"
#include "instrument/kernel/slab.h"
#include "instrument/kernel/spinlock.h"
#include "instrument/kernel/ww_mutex.h"
#include "runtime/lockdep.h"
#include "runtime/lockdep_map.h"

#endif  // LOCKDEP_INSTRUMENT_KERNEL_H_
