// pthread_cond_wait / timedwait / clockwait: the mutex is released while the
// thread sleeps and re-taken before it returns, so the validator sees the
// release and the re-acquire (a wait with other locks held keeps them, and
// the re-take is checked against them like any acquire). The wait itself is
// a wait for the condition's event (events.h).
#include <pthread.h>

#include "instrument/preload/events.h"
#include "instrument/preload/lock_entry.h"
#include "instrument/preload/mutex_hooks.h"
#include "instrument/preload/real.h"

using namespace lockdep::preload;

namespace {

// The wait for the condition (an event, events.h) begins once its mutex is
// released: that mutex is no dependency of the wait, every other held lock
// is. A timed wait is none (docs/waits.md).
template <typename F>
int Wait(pthread_cond_t* c, pthread_mutex_t* m, int timed, uintptr_t ra, F real) {
  if (PassThrough()) return real();
  lockdep_event* ev = EventOf(c, "cond", kLockdepEventCondition);
  bool tracked = ReleaseMutex(m, ra);
  if (ev) lockdep_event_wait(ev, timed, ra);
  int ret = real();
  // On every return (a timeout too) the mutex is held again.
  if (tracked) ReacquireMutex(m, ra);
  return ret;
}

}  // namespace

extern "C" {

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  auto real = Real().cond_wait;
  return Wait(c, m, /*timed=*/0, LOCKDEP_PRELOAD_RA, [&] { return real(c, m); });
}

int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m,
                           const struct timespec* t) {
  auto real = Real().cond_timedwait;
  return Wait(c, m, /*timed=*/1, LOCKDEP_PRELOAD_RA, [&] { return real(c, m, t); });
}

int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                           const struct timespec* t) {
  auto real = Real().cond_clockwait;
  return Wait(c, m, /*timed=*/1, LOCKDEP_PRELOAD_RA, [&] { return real(c, m, clock, t); });
}

}  // extern "C"
