#include "instrument/kernel/semaphore.h"

#include "instrument/futex.h"
#include "runtime/lockdep.h"
#include "runtime/wait_event.h"

namespace {

using lockdep::internal::FutexWait;
using lockdep::internal::FutexWake;

[[maybe_unused]] constinit struct semaphore constant_init_check = {};

// The count is an int stored in the futex word: at most 0 means none left
// (below 0, that many up()s are owed before a down() succeeds).
bool Available(uint32_t c) { return static_cast<int32_t>(c) > 0; }

bool TryTake(struct semaphore* sem) {
  uint32_t c = sem->count.load(std::memory_order_relaxed);
  while (Available(c)) {
    if (sem->count.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void lockdep_sema_init(struct semaphore* sem, int val, const char* name,
                       lock_class_key* key) {
  sem->count.store(static_cast<uint32_t>(val), std::memory_order_relaxed);
  sem->sleepers.store(0, std::memory_order_relaxed);
  lockdep_event_init(&sem->dep_map, name, key, kLockdepEventSemaphore);
}

__attribute__((noinline)) void down(struct semaphore* sem) {
  lockdep_might_sleep(__FILE__, __LINE__, LOCKDEP_RET_IP);
  lockdep_event_wait(&sem->dep_map, /*timed=*/0, LOCKDEP_RET_IP);
  while (!TryTake(sem)) {
    // Announce the sleep, then re-check: up() adds to count before it reads
    // sleepers (both seq_cst), so either we see its unit or it sees us and
    // wakes us. FutexWait returns at once if the count moved meanwhile.
    sem->sleepers.fetch_add(1, std::memory_order_seq_cst);
    const uint32_t c = sem->count.load(std::memory_order_seq_cst);
    if (!Available(c)) FutexWait(&sem->count, c);
    sem->sleepers.fetch_sub(1, std::memory_order_relaxed);
  }
}

__attribute__((noinline)) int down_trylock(struct semaphore* sem) {
  return TryTake(sem) ? 0 : 1;
}

__attribute__((noinline)) void up(struct semaphore* sem) {
  lockdep_event_signal(&sem->dep_map, LOCKDEP_RET_IP);
  sem->count.fetch_add(1, std::memory_order_seq_cst);
  if (sem->sleepers.load(std::memory_order_seq_cst) != 0) {
    FutexWake(&sem->count, 1);
  }
}
