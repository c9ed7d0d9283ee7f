// lockdep::CondVar: a condition variable for the lockdep::Mutex family whose
// waits and notifies are events of the lock graph (docs/waits.md).
//
// wait(lock) releases `lock` while it sleeps, so the lock it waits on is no
// dependency of the wait; every other lock the thread holds is: waiting
// while holding lock L adds L -> this condition's class, and a notify adds
// the condition's class -> what the notifying thread took since its last
// wait. A notifier that must take L before it notifies, against a waiter
// that holds L, is reported as "possible circular wait dependency detected".
// Timed waits are not dependencies (unless LOCKDEP_OPTIONS timed_waits=1).
#ifndef LOCKDEP_INSTRUMENT_CXX_COND_VAR_H_
#define LOCKDEP_INSTRUMENT_CXX_COND_VAR_H_

#include <chrono>
#include <condition_variable>

#include "instrument/cxx.h"
#include "runtime/wait_event.h"

#define LOCKDEP_CONDVAR_RET_IP \
  (reinterpret_cast<unsigned long>(__builtin_return_address(0)))

namespace lockdep {

class CondVar {
 public:
  // The class is the constructing site (file:line), named `name` if given.
  // Cost: as a named Mutex (one registry lookup).
  explicit CondVar(const char* name = nullptr, LockSite site = LockSite::Current());
  // The class is `key` (static storage, or registered while in use).
  CondVar(lock_class_key& key, const char* name);
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Any BasicLockable over a lockdep lock (std::unique_lock<Mutex>, ...).
  // Cost: the untracked wait, plus a chain-cache lookup (the graph lock the
  // first time a held-lock chain waits for this class).
  template <class Lock>
  [[gnu::noinline]] void wait(Lock& lock) {
    Releasing<Lock> r{lock, &event_, 0, LOCKDEP_CONDVAR_RET_IP};
    cv_.wait(r);
  }
  template <class Lock, class Pred>
  void wait(Lock& lock, Pred pred) {
    while (!pred()) wait(lock);
  }
  // A timed wait: no dependency (the caller handles the timeout).
  template <class Lock, class Rep, class Period>
  [[gnu::noinline]] std::cv_status wait_for(
      Lock& lock, const std::chrono::duration<Rep, Period>& timeout) {
    Releasing<Lock> r{lock, &event_, 1, LOCKDEP_CONDVAR_RET_IP};
    return cv_.wait_for(r, timeout);
  }

  // Cost: the untracked notify plus a scan of this thread's recent locks
  // (the graph lock only while the class still depends on something).
  void notify_one();
  void notify_all();

  // This condition is notified from outside the program's view: its
  // notifiers' locks are never its dependencies.
  void SetExternal() { lockdep_event_set_external(&event_); }

 private:
  // Unlocking the waited lock is where the wait for the event begins: after
  // it, so the waited lock is not held; before the sleep, so a report comes
  // before any hang.
  template <class Lock>
  struct Releasing {
    Lock& inner;
    lockdep_event* event;
    int timed;
    unsigned long ip;
    void lock() { inner.lock(); }
    void unlock() {
      inner.unlock();
      lockdep_event_wait(event, timed, ip);
    }
  };
  std::condition_variable_any cv_;
  lockdep_event event_;
};

}  // namespace lockdep

#endif  // LOCKDEP_INSTRUMENT_CXX_COND_VAR_H_
