#include "runtime/graph/lock_stat.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <map>
#include <utility>

#include "runtime/base/internal_mutex.h"
#include "runtime/base/limits.h"
#include "runtime/lockdep.h"
#include "runtime/base/monotonic_clock.h"

std::atomic<bool> lockdep_lock_stat_on{false};

namespace lockdep {
namespace {

// Written by one thread, read by snapshots: relaxed atomics, no RMW needed.
struct Counter {
  std::atomic<uint64_t> v{0};
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
  void set(uint64_t x) { v.store(x, std::memory_order_relaxed); }
};

struct TimeCounter {
  Counter count, min_ns, max_ns, total_ns;
  void Add(uint64_t ns) {
    uint64_t n = count.get();
    if (n == 0 || ns < min_ns.get()) min_ns.set(ns);
    if (ns > max_ns.get()) max_ns.set(ns);
    total_ns.set(total_ns.get() + ns);
    count.set(n + 1);
  }
  TimeTotals Read() const { return {count.get(), min_ns.get(), max_ns.get(), total_ns.get()}; }
};

struct Site {
  std::atomic<bool> used{false};  // key and ip valid (release)
  uintptr_t key = 0;
  unsigned long ip = 0;
  Counter acquisitions, contentions;
  TimeCounter wait, hold;
};

// One thread's figures. The owner alone writes; sites fill open-addressed.
struct Table {
  Site sites[kLockStatSites];
  Site overflow;  // every site past capacity, ip 0
};

// A lock this thread holds (or waits for) and is timing.
struct Timing {
  const lockdep_map* map;
  uintptr_t key;
  unsigned long ip;
  uint64_t start_ns;       // acquisition (hold start) or contention (wait start)
  bool waiting;
};

struct ThreadTiming {
  Table* table;
  Timing held[kMaxLockDepth];
  uint32_t depth;
  bool key_installed;
};

__thread ThreadTiming tls_timing;

struct Registry {
  InternalMutex mu;
  std::vector<Table*> all ABSL_GUARDED_BY(mu);   // every table ever made (leaked: threads exit late)
  std::vector<Table*> free ABSL_GUARDED_BY(mu);  // tables of exited threads, for new ones
  pthread_key_t key;
};

Registry& Tables() {
  static Registry* r = [] {
    auto* reg = new Registry;
    pthread_key_create(&reg->key, [](void* table) {
      Registry& r = Tables();
      InternalLock lock(r.mu);
      r.free.push_back(static_cast<Table*>(table));
    });
    return reg;
  }();
  return *r;
}

Table* MyTable() {
  ThreadTiming& t = tls_timing;
  if (t.table) return t.table;
  Registry& r = Tables();
  InternalLock lock(r.mu);
  if (!r.free.empty()) {
    t.table = r.free.back();
    r.free.pop_back();
  } else {
    t.table = new Table;
    r.all.push_back(t.table);
  }
  pthread_setspecific(r.key, t.table);
  return t.table;
}

Site& SiteFor(uintptr_t key, unsigned long ip) {
  Table* table = MyTable();
  uint64_t h = (key ^ (uint64_t(ip) * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;
  for (size_t n = 0, i = (h >> 32) % kLockStatSites; n < kLockStatSites;
       ++n, i = (i + 1) % kLockStatSites) {
    Site& s = table->sites[i];
    if (!s.used.load(std::memory_order_relaxed)) {
      s.key = key;
      s.ip = ip;
      s.used.store(true, std::memory_order_release);
      return s;
    }
    if (s.key == key && s.ip == ip) return s;
  }
  return table->overflow;
}

uintptr_t KeyFor(const lockdep_map* map, unsigned subclass) {
  if (subclass == 0) subclass = map->subclass;
  const void* base = map->key ? static_cast<const void*>(map->key)
                              : static_cast<const void*>(map);
  return reinterpret_cast<uintptr_t>(base) + subclass;
}

Timing* FindTiming(const lockdep_map* map) {
  ThreadTiming& t = tls_timing;
  for (uint32_t i = t.depth; i-- > 0;) {
    if (t.held[i].map == map) return &t.held[i];
  }
  return nullptr;
}

}  // namespace

InternalMutex& LockStatMutex() { return Tables().mu; }

void TimeTotals::Add(const TimeTotals& o) {
  if (o.count == 0) return;
  min_ns = count ? std::min(min_ns, o.min_ns) : o.min_ns;
  max_ns = std::max(max_ns, o.max_ns);
  count += o.count;
  total_ns += o.total_ns;
}

void SetLockStat(bool on) { lockdep_lock_stat_on.store(on, std::memory_order_relaxed); }

void LockStatAcquire(const lockdep_map* map, unsigned subclass, unsigned long ip) {
  ThreadTiming& t = tls_timing;
  const uintptr_t key = KeyFor(map, subclass);
  Site& site = SiteFor(key, ip);
  site.acquisitions.set(site.acquisitions.get() + 1);
  if (t.depth < kMaxLockDepth) t.held[t.depth++] = {map, key, ip, MonotonicNs(), false};
}

void LockStatRelease(const lockdep_map* map) {
  Timing* timing = FindTiming(map);
  if (timing == nullptr) return;
  if (!timing->waiting) {
    SiteFor(timing->key, timing->ip).hold.Add(MonotonicNs() - timing->start_ns);
  }
  ThreadTiming& t = tls_timing;
  std::copy(timing + 1, t.held + t.depth, timing);
  --t.depth;
}

std::vector<LockStatRecord> LockStatSnapshot() {
  std::map<std::pair<uintptr_t, unsigned long>, LockStatRecord> sums;
  Registry& r = Tables();
  InternalLock lock(r.mu);
  for (const Table* table : r.all) {
    auto add = [&](const Site& s) {
      LockStatRecord& rec = sums[{s.key, s.ip}];
      rec.class_key = s.key;
      rec.ip = s.ip;
      rec.acquisitions += s.acquisitions.get();
      rec.contentions += s.contentions.get();
      rec.wait.Add(s.wait.Read());
      rec.hold.Add(s.hold.Read());
    };
    for (const Site& s : table->sites) {
      if (s.used.load(std::memory_order_acquire)) add(s);
    }
    if (table->overflow.acquisitions.get()) add(table->overflow);
  }
  std::vector<LockStatRecord> out;
  for (auto& [k, rec] : sums) out.push_back(rec);
  return out;
}

void LockStatClear() {
  Registry& r = Tables();
  InternalLock lock(r.mu);
  auto zero = [](Site& s) {
    for (Counter* c : {&s.acquisitions, &s.contentions, &s.wait.count, &s.wait.min_ns,
                       &s.wait.max_ns, &s.wait.total_ns, &s.hold.count, &s.hold.min_ns,
                       &s.hold.max_ns, &s.hold.total_ns}) {
      c->set(0);
    }
  };
  for (Table* table : r.all) {
    for (Site& s : table->sites) {
      zero(s);
      s.used.store(false, std::memory_order_relaxed);
    }
    zero(table->overflow);
  }
}

}  // namespace lockdep

using namespace lockdep;

void lockdep_lock_contended(lockdep_map* map, unsigned long) {
  Timing* timing = FindTiming(map);
  if (timing == nullptr) return;
  Site& site = SiteFor(timing->key, timing->ip);
  site.contentions.set(site.contentions.get() + 1);
  timing->waiting = true;
  timing->start_ns = MonotonicNs();
}

void lockdep_lock_acquired(lockdep_map* map, unsigned long) {
  Timing* timing = FindTiming(map);
  if (timing == nullptr || !timing->waiting) return;
  const uint64_t now = MonotonicNs();
  SiteFor(timing->key, timing->ip).wait.Add(now - timing->start_ns);
  timing->waiting = false;
  timing->start_ns = now;
}
