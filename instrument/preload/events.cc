// The event table of events.h, and the interposers whose only job is an
// event: pthread_cond_signal/broadcast, sem_wait/sem_post, and
// pthread_create/pthread_join (a join waits for the thread's exit, an event
// of the class of its pthread_create site).
#include "instrument/preload/events.h"

#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdio>

#include "instrument/preload/internal_lock.h"
#include "instrument/preload/lock_classes.h"
#include "instrument/preload/lock_entry.h"
#include "instrument/preload/real.h"
#include "runtime/stacks/stack_room.h"
#include "instrument/preload/reentry.h"

namespace lockdep::preload {
namespace {

struct EventSlot {
  std::atomic<uintptr_t> addr;  // 0: empty; published once the event is set up
  lockdep_event event;
};

std::atomic<EventSlot*> g_slots{nullptr};
InternalLock g_events_lock;

EventSlot* Slots() {
  EventSlot* s = g_slots.load(std::memory_order_acquire);
  if (s) return s;
  InternalGuard g(g_events_lock);
  s = g_slots.load(std::memory_order_relaxed);
  if (!s) {
    void* p = mmap(nullptr, kMaxEvents * sizeof(EventSlot), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    s = static_cast<EventSlot*>(p);
    g_slots.store(s, std::memory_order_release);
  }
  return s;
}

size_t Home(uintptr_t addr) {
  return ((addr >> 3) * 0x9e3779b97f4a7c15ULL >> 40) & (kMaxEvents - 1);
}

// A thread's exit event, from pthread_create to pthread_join.
struct ThreadStart {
  void* (*start)(void*);
  void* arg;
  lockdep_event exit;
};

void* RunThread(void* p) {
  auto* ts = static_cast<ThreadStart*>(p);
  // The thread's stack bounds come from pthread_getattr_np, which holds the
  // thread's glibc lock while it reallocates. Asked first from inside the
  // program's own pthread_getattr_np (Rust's stack-overflow guard, whose
  // realloc is jemalloc's, whose trylock is interposed), it would wait for
  // that lock for ever: asked now, before the program's code runs, with
  // the interposers standing aside (its realloc may be the program's, whose
  // own locks must not be classed from inside its thread set-up).
  {
    Busy busy;
    (void)StackRoom();
  }
  void* ret = ts->start(ts->arg);
  // Returning from the start routine is the thread's exit: what it took on
  // the way is what a joiner waits for (pthread_exit() is not seen).
  lockdep_event_signal(&ts->exit, LOCKDEP_PRELOAD_RA);
  return ret;
}

// pthread_t -> ThreadStart, for the join; removed by the join.
constexpr size_t kMaxThreads = 4096;
struct ThreadSlot {
  std::atomic<pthread_t> id;
  std::atomic<ThreadStart*> start;
};
ThreadSlot g_threads[kMaxThreads];

}  // namespace

lockdep_event* EventOf(const void* p, const char* type, lockdep_event_kind kind) {
  auto addr = reinterpret_cast<uintptr_t>(p);
  EventSlot* slots = Slots();
  if (!slots) return nullptr;
  size_t home = Home(addr);
  for (size_t n = 0, i = home; n < kMaxEvents; ++n, i = (i + 1) & (kMaxEvents - 1)) {
    uintptr_t a = slots[i].addr.load(std::memory_order_acquire);
    if (a == addr) return &slots[i].event;
    if (a == 0) break;
  }
  Busy busy;
  const char* name = nullptr;
  lock_class_key* key = ClassifyEvent(addr, type, &name);
  if (!key) return nullptr;
  InternalGuard g(g_events_lock);
  for (size_t n = 0, i = home; n < kMaxEvents; ++n, i = (i + 1) & (kMaxEvents - 1)) {
    uintptr_t a = slots[i].addr.load(std::memory_order_relaxed);
    if (a == addr) return &slots[i].event;
    if (a == 0) {
      lockdep_event_init(&slots[i].event, name, key, kind);
      // Made at first use, not at initialisation: its first round began
      // whenever the object did, so what its first signaller took before
      // now counts.
      slots[i].event.round.store(0, std::memory_order_relaxed);
      slots[i].addr.store(addr, std::memory_order_release);
      return &slots[i].event;
    }
  }
  return nullptr;
}

void EventsForkPrepare() { g_events_lock.lock(); }
void EventsForkDone() { g_events_lock.unlock(); }

}  // namespace lockdep::preload

using namespace lockdep::preload;

extern "C" {

int pthread_cond_signal(pthread_cond_t* c) {
  if (!PassThrough()) {
    if (lockdep_event* ev = EventOf(c, "cond", kLockdepEventCondition)) {
      lockdep_event_signal(ev, LOCKDEP_PRELOAD_RA);
    }
  }
  return Real().cond_signal(c);
}

int pthread_cond_broadcast(pthread_cond_t* c) {
  if (!PassThrough()) {
    if (lockdep_event* ev = EventOf(c, "cond", kLockdepEventCondition)) {
      lockdep_event_signal(ev, LOCKDEP_PRELOAD_RA);
    }
  }
  return Real().cond_broadcast(c);
}

int sem_wait(sem_t* s) {
  if (!PassThrough()) {
    if (lockdep_event* ev = EventOf(s, "sem", kLockdepEventSemaphore)) {
      lockdep_event_wait(ev, /*timed=*/0, LOCKDEP_PRELOAD_RA);
    }
  }
  return Real().sem_wait(s);
}

int sem_timedwait(sem_t* s, const struct timespec* t) {
  if (!PassThrough()) {
    if (lockdep_event* ev = EventOf(s, "sem", kLockdepEventSemaphore)) {
      lockdep_event_wait(ev, /*timed=*/1, LOCKDEP_PRELOAD_RA);
    }
  }
  return Real().sem_timedwait(s, t);
}

int sem_post(sem_t* s) {
  if (!PassThrough()) {
    if (lockdep_event* ev = EventOf(s, "sem", kLockdepEventSemaphore)) {
      lockdep_event_signal(ev, LOCKDEP_PRELOAD_RA);
    }
  }
  return Real().sem_post(s);
}

int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                   void* (*start)(void*), void* arg) {
  auto real = Real().create;
  if (PassThrough()) return real(thread, attr, start, arg);
  const uintptr_t ra = LOCKDEP_PRELOAD_RA;
  ThreadStart* ts;
  const char* name = nullptr;
  lock_class_key* key;
  {
    Busy busy;
    // std::thread's constructor calls through libstdc++: class by the
    // program's own line that made the thread.
    key = ClassifyThread(UserCallSite(ra), &name);
    ts = key ? new ThreadStart{start, arg, {}} : nullptr;
  }
  if (!ts) return real(thread, attr, start, arg);
  lockdep_event_init(&ts->exit, name, key, kLockdepEventThreadExit);
  int rc = real(thread, attr, RunThread, ts);
  if (rc != 0) {
    Busy busy;
    delete ts;
    return rc;
  }
  for (ThreadSlot& slot : g_threads) {
    ThreadStart* expected = nullptr;
    if (slot.start.compare_exchange_strong(expected, ts, std::memory_order_acq_rel)) {
      slot.id.store(*thread, std::memory_order_release);
      return rc;
    }
  }
  return rc;  // table full: this thread's join is not tracked (ts leaks)
}

int pthread_join(pthread_t thread, void** ret) {
  auto real = Real().join;
  if (PassThrough()) return real(thread, ret);
  ThreadSlot* found = nullptr;
  for (ThreadSlot& slot : g_threads) {
    if (slot.start.load(std::memory_order_acquire) &&
        pthread_equal(slot.id.load(std::memory_order_acquire), thread)) {
      found = &slot;
      break;
    }
  }
  ThreadStart* ts = found ? found->start.load(std::memory_order_acquire) : nullptr;
  if (ts) lockdep_event_wait(&ts->exit, /*timed=*/0, LOCKDEP_PRELOAD_RA);
  int rc = real(thread, ret);
  if (ts && rc == 0) {
    found->id.store(0, std::memory_order_relaxed);
    found->start.store(nullptr, std::memory_order_release);
    Busy busy;
    delete ts;
  }
  return rc;
}

}  // extern "C"
