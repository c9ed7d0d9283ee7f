#include "runtime/graph/lock_order.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "runtime/graph/validator.h"

namespace lockdep {
namespace {

// Claimed with a compare-exchange on `key`, filled, then `ready` published:
// readers (under the graph lock or not) see an entry whole or not at all.
struct Entry {
  std::atomic<ClassKey> key{0};
  std::atomic<bool> ready{false};
  lockdep_lock_order order{};
};

Entry g_entries[kMaxLockOrders];

}  // namespace

const lockdep_lock_order* LockOrderOf(ClassKey key) {
  for (Entry& e : g_entries) {
    const ClassKey seen = e.key.load(std::memory_order_acquire);
    if (seen == 0) return nullptr;  // entries are claimed in order
    if (seen == key && e.ready.load(std::memory_order_acquire)) return &e.order;
  }
  return nullptr;
}

int CompareLocks(const lockdep_lock_order& order, const lockdep_map* a,
                 const lockdep_map* b) {
  return order.cmp(order.user_cmp, a, b);
}

std::string DescribeLock(const lockdep_lock_order& order, const lockdep_map* map) {
  std::string text;
  if (order.print == nullptr) return text;
  std::fflush(stderr);
  const int file = memfd_create("lockdep-print", MFD_CLOEXEC);
  const int saved = file >= 0 ? dup(2) : -1;
  if (saved < 0 || dup2(file, 2) < 0) {
    if (file >= 0) close(file);
    if (saved >= 0) close(saved);
    return text;  // never print outside the report
  }
  order.print(order.user_print, map);
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char buf[512];
  ssize_t n;
  off_t at = 0;
  while ((n = pread(file, buf, sizeof(buf), at)) > 0) {
    text.append(buf, static_cast<size_t>(n));
    at += n;
  }
  close(file);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace lockdep

void lockdep_set_lock_order(lockdep_map* map, const lockdep_lock_order& order) {
  using lockdep::g_entries;
  if (map == nullptr || order.cmp == nullptr) return;
  const lockdep::ClassKey key = lockdep::KeyOf(map, 0);
  for (auto& e : g_entries) {
    lockdep::ClassKey seen = 0;
    if (e.key.compare_exchange_strong(seen, key, std::memory_order_acq_rel)) {
      e.order = order;
      e.ready.store(true, std::memory_order_release);
      return;
    }
    if (seen == key) return;  // the first order set for a class stays
  }
  std::fprintf(stderr,
               "lockdep: more than %zu classes with a lock order; the order of "
               "%s is ignored\n",
               lockdep::kMaxLockOrders, map->name ? map->name : "?");
}
