#include "instrument/preload/lock_table.h"

#include <sys/mman.h>
#include <unistd.h>

#include "instrument/preload/internal_lock.h"
#include "runtime/lockdep.h"

namespace lockdep::preload {
namespace {

// Twice the live limit: probes stay short even with tombstones.
constexpr size_t kSlots = kMaxLocks * 2;
constexpr uintptr_t kRemoved = 1;

std::atomic<LockEntry*> g_slots{nullptr};
InternalLock g_writer;
size_t g_used = 0;  // live + tombstones, under g_writer
// Entries whose fate is not kLive, counted per thread and added to the
// shared count in batches: init/destroy churn turns one entry dead and live
// again per pair, and a shared counter written each time would make two
// churning threads wait on its cache line. The bound is so approximate by
// kDeadBatch per thread.
constexpr long kDeadBatch = 64;
std::atomic<long> g_dead{0};
__thread long t_dead_delta __attribute__((tls_model("initial-exec")));

void CountDead(long delta) {
  t_dead_delta += delta;
  if (t_dead_delta >= kDeadBatch || t_dead_delta <= -kDeadBatch) {
    g_dead.fetch_add(t_dead_delta, std::memory_order_relaxed);
    t_dead_delta = 0;
  }
}

// A dead entry found again: live from now on.
void Revive(LockEntry& e) {
  if (e.fate.load(std::memory_order_relaxed) != LockFate::kLive) {
    e.fate.store(LockFate::kLive, std::memory_order_relaxed);
    CountDead(-1);
  }
}

// Neighbouring locks get neighbouring slots (an array of mutexes fills a
// few pages of the table, not one page per lock); the high bits folded in
// keep distant regions from landing on the same run.
inline size_t Home(uintptr_t addr) {
  return ((addr >> 3) ^ (addr >> 23) * 0x9e37) & (kSlots - 1);
}

// Reserved lazily: untouched pages cost nothing, so 64 MiB of address space
// for the table is only as much memory as the program has locks.
LockEntry* Slots() {
  LockEntry* s = g_slots.load(std::memory_order_acquire);
  if (s) return s;
  void* p = mmap(nullptr, kSlots * sizeof(LockEntry), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  LockEntry* expected = nullptr;
  if (!g_slots.compare_exchange_strong(expected, static_cast<LockEntry*>(p))) {
    munmap(p, kSlots * sizeof(LockEntry));
    return expected;
  }
  return static_cast<LockEntry*>(p);
}

void SayFull() {
  static std::atomic<bool> said{false};
  if (said.exchange(true)) return;
  static const char kMsg[] =
      "lockdep preload: more than 524288 live pthread locks; newer locks are "
      "not validated\n";
  (void)!write(2, kMsg, sizeof(kMsg) - 1);
}

}  // namespace

LockEntry* LockSlots() { return g_slots.load(std::memory_order_acquire); }
size_t LockSlotCount() { return kSlots; }

LockEntry* FindLock(uintptr_t addr) {
  LockEntry* s = g_slots.load(std::memory_order_acquire);
  if (!s) return nullptr;
  for (size_t i = Home(addr), n = 0; n < kSlots; i = (i + 1) & (kSlots - 1), ++n) {
    uintptr_t a = s[i].addr.load(std::memory_order_acquire);
    if (a == addr) return &s[i];
    if (a == 0) return nullptr;
  }
  return nullptr;
}

LockEntry* InsertLock(uintptr_t addr, LockType type, lock_class_key* key,
                      const char* name, bool reinit) {
  LockEntry* s = Slots();
  if (!s) return nullptr;
  // A lock set up again where one was (init/destroy churn): its own entry,
  // changed in place without the writer lock (two threads initialising one
  // lock at once is the program's race, not ours).
  if (LockEntry* e = FindLock(addr)) {
    if (reinit || e->fate.load(std::memory_order_relaxed) != LockFate::kLive) {
      e->type = type;
      lockdep_init_map_wait(&e->map, name, key, 0, type == LockType::kSpin);
      Revive(*e);
    }
    return e;
  }
  InternalGuard g(g_writer);
  LockEntry* free_slot = nullptr;
  for (size_t i = Home(addr), n = 0; n < kSlots; i = (i + 1) & (kSlots - 1), ++n) {
    uintptr_t a = s[i].addr.load(std::memory_order_relaxed);
    if (a == addr) {
      if (reinit || s[i].fate.load(std::memory_order_relaxed) != LockFate::kLive) {
        s[i].type = type;
        lockdep_init_map_wait(&s[i].map, name, key, 0, type == LockType::kSpin);
        Revive(s[i]);
      }
      return &s[i];
    }
    if (a == kRemoved && !free_slot) free_slot = &s[i];
    if (a == 0) {
      if (!free_slot) {
        if (g_used >= kMaxLocks) {
          SayFull();
          return nullptr;
        }
        ++g_used;
        free_slot = &s[i];
      }
      break;
    }
  }
  if (!free_slot) return nullptr;
  free_slot->type = type;
  free_slot->fate.store(LockFate::kLive, std::memory_order_relaxed);
  lockdep_init_map_wait(&free_slot->map, name, key, 0, type == LockType::kSpin);
  // Published last: a reader that sees the address sees a live map.
  free_slot->addr.store(addr, std::memory_order_release);
  return free_slot;
}

void RemoveLock(uintptr_t addr) {
  LockEntry* s = g_slots.load(std::memory_order_acquire);
  if (!s) return;
  InternalGuard g(g_writer);
  for (size_t i = Home(addr), n = 0; n < kSlots; i = (i + 1) & (kSlots - 1), ++n) {
    uintptr_t a = s[i].addr.load(std::memory_order_relaxed);
    if (a == addr) {
      Revive(s[i]);  // no longer counted as dead
      s[i].addr.store(kRemoved, std::memory_order_release);
      return;
    }
    if (a == 0) return;
  }
}

bool RememberDead(LockEntry& e, LockFate fate) {
  if (g_dead.load(std::memory_order_relaxed) + t_dead_delta >= long(kMaxRememberedDead)) {
    return false;
  }
  CountDead(1);
  e.fate.store(fate, std::memory_order_relaxed);
  return true;
}

void LockTableForkPrepare() { g_writer.lock(); }
void LockTableForkDone() { g_writer.unlock(); }

}  // namespace lockdep::preload
