// Waits and events as classes of the lock graph (wait_event.h has the model).
// A wait adds held-lock -> event edges through the same chain cache and cycle
// search as an acquire; a signal adds event -> class edges for what its
// context took first, keeping per event class only what every signal agreed
// on, and removing the edges a later signal proves unnecessary.
#include "runtime/graph/wait_graph.h"

#include <algorithm>

#include "runtime/lockdep.h"
#include "runtime/base/options.h"
#include "runtime/base/static_storage.h"
#include "runtime/graph/wait_excuses.h"
#include "runtime/wait_event.h"
#include "runtime/base/zeroed_pages.h"

namespace lockdep {

std::atomic<bool> g_events_in_use{false};

namespace {

// A logical clock for sections and rounds: only waits, signals and section
// starts advance it (so acquisitions only read it, writing nothing shared).
// Something that read value v happened after whatever advanced it to v.
std::atomic<uint64_t> g_event_clock{1};
uint64_t Tick() { return g_event_clock.fetch_add(1, std::memory_order_acq_rel) + 1; }

struct RecentTake {
  uint64_t epoch;       // g_event_clock when it was taken
  unsigned long ip;
  uint32_t generation;  // of the class then: stale entries after a reset
  ClassId id;
  uint8_t read;
  uint8_t irq_context;
  uint8_t signal;       // a signal this thread made (wait_excuses.h), not a take
};

// Per thread: a ring of the last acquisitions and waits, and where the
// current section of each context began.
struct RecentTakes {
  RecentTake ring[kRecentTakes];
  uint32_t next;
  uint64_t section[3];
};
__thread RecentTakes tls_recent __attribute__((tls_model("initial-exec")));

uintptr_t ThisThread() { return reinterpret_cast<uintptr_t>(&tls_recent); }

void Remember(ClassId id, uint8_t read, uint8_t ctx, unsigned long ip, uint64_t epoch,
              bool signal = false) {
  RecentTakes& r = tls_recent;
  RecentTake& t = r.ring[r.next++ % kRecentTakes];
  t.epoch = epoch;
  t.ip = ip;
  t.generation = Graph().classes.at(id).generation.load(std::memory_order_relaxed);
  t.id = id;
  t.read = read;
  t.irq_context = ctx;
  t.signal = signal;
}

// Per event class (indexed by ClassId). `stamp` is the class's generation +
// 1 while the entry describes the live class, so a reset or a removed key
// leaves stale entries that are never trusted.
struct EventClassInfo {
  std::atomic<uint32_t> stamp;
  uint8_t kind;
  // A signal was seen: deps[0..ndeps) is what every signal so far took.
  std::atomic<uint8_t> signalled;
  std::atomic<uint8_t> ndeps;
  // Atomic only because SignalTeaches() peeks without the graph lock.
  std::atomic<ClassId> deps[kMaxSignalDeps];
  uint8_t dep_read[kMaxSignalDeps];
};

std::atomic<EventClassInfo*> g_infos{nullptr};
EventClassInfo* Infos() {
  EventClassInfo* p = g_infos.load(std::memory_order_acquire);
  if (__builtin_expect(p != nullptr, 1)) return p;
  auto* fresh = ZeroedArray<EventClassInfo>(kMaxClasses + 1);
  // A loser's pages stay mapped (zero pages, never touched): harmless.
  if (g_infos.compare_exchange_strong(p, fresh, std::memory_order_acq_rel)) return fresh;
  return p;
}

uint32_t StampOf(ClassId id) {
  return Graph().classes.at(id).generation.load(std::memory_order_acquire) + 1;
}

bool Current(const EventClassInfo& info, ClassId id) {
  return info.stamp.load(std::memory_order_acquire) == StampOf(id);
}

// The class of `ev`, registering it (as an event) on first use; kNoClass
// when the event cannot be tracked (never initialised, or an unregistered
// dynamic key: silently, since an untracked event can only hide a report).
ClassId ResolveEvent(lockdep_event* ev) {
  lockdep_map* map = &ev->map;
  uint32_t state = map->state.load(std::memory_order_acquire);
  if (state != kLockdepMapLive && state != kLockdepMapStatic) return kNoClass;
  GraphState& g = Graph();
  ClassKey key = KeyOf(map, 0);
  EventClassInfo* infos = Infos();
  ClassId id = map->class_cache[0].load(std::memory_order_acquire);
  if (g.classes.Matches(id, key) && Current(infos[id], id)) return id;
  id = g.classes.Find(key);
  if (id == kNoClass || !Current(infos[id], id)) {
    GraphLock lock;
    id = g.classes.Find(key);
    if (id == kNoClass) {
      const void* base = reinterpret_cast<const void*>(key);
      if (!IsStaticAddress(base) && !g.dynamic_keys.count(key)) return kNoClass;
      id = g.classes.Add(key, 0, map->name);
      if (id == kNoClass) return kNoClass;
    }
    EventClassInfo& info = infos[id];
    if (!Current(info, id)) {
      info.kind = ev->kind;
      info.signalled.store(0, std::memory_order_relaxed);
      info.ndeps.store(0, std::memory_order_relaxed);
      info.stamp.store(StampOf(id), std::memory_order_release);
    }
    g_events_in_use.store(true, std::memory_order_relaxed);
  }
  map->class_cache[0].store(id, std::memory_order_release);
  return id;
}

// Records from -> to (the caller's new knowledge), first proving it closes
// no cycle; a cycle is reported and the edge still learnt, as for locks.
// `excuse`: for a wait edge, the signals its waiter made holding `from`.
void AddEdge(ThreadState& ts, ClassId from, uint8_t from_read, ClassId to,
             uint8_t to_read, const ExcuseSet* excuse, const char* doing,
             uint32_t* trace, uintptr_t ra) ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  GraphState& g = Graph();
  if (from == to) return;
  uint8_t bit = DependencyBit(from_read, to_read);
  Dependency* existing = g.graph.Find(from, to);
  bool excused_less =
      excuse != nullptr && RecordWaitExcuse(from, to, *excuse, existing == nullptr);
  if (existing && (existing->types & bit) && !excused_less) return;
  std::vector<uint32_t> path =
      g.graph.FindDeadlockPath(to, to_read == 2, from, from_read);
  if (!path.empty() && !CycleExcused(from, excuse ? *excuse : ExcuseSet{}, path))
    FoundCircularWait(ts, from, to, path, doing, ra);
  if (Dependency* d = g.graph.Find(from, to)) {
    d->types |= bit;
    return;
  }
  if (*trace == kNoTrace) *trace = SaveTrace(ra);
  g.graph.Add(from, to, bit, *trace, 0);  // full: the dependency is not learnt
}

struct Dep {
  ClassId id;
  uint8_t read;
};

// What the signalling context had to get before this signal: what it took
// or waited for since max(section start, round), still held or not. A lock
// held since before the section (taken before a down() that this up()
// answers, say) is not: the context already had it when its way towards
// the signal began, so no waiter can be holding it meanwhile.
int CollectSignalDeps(const ThreadState& ts, ClassId self, uint64_t round,
                      Dep* out, int cap) {
  uint8_t ctx = ts.irq_context();
  const RecentTakes& r = tls_recent;
  uint64_t from = std::max(r.section[ctx], round);
  int n = 0;
  auto add = [&](ClassId id, uint8_t read) {
    if (id == self || id == kNoClass) return;
    for (int i = 0; i < n; ++i) {
      if (out[i].id == id) {
        out[i].read = std::min(out[i].read, read);
        return;
      }
    }
    if (n < cap) out[n++] = Dep{id, read};
  };
  const GraphState& g = Graph();
  for (const RecentTake& t : r.ring) {
    if (t.id == kNoClass || t.signal || t.epoch < from || t.irq_context != ctx) continue;
    if (g.classes.at(t.id).generation.load(std::memory_order_relaxed) != t.generation)
      continue;
    add(t.id, t.read);
  }
  return n;
}

// The events this thread signalled since it took the held lock `held`
// (wait_excuses.h); empty when that acquisition has left the ring.
ExcuseSet SignalsUnder(const HeldLock& held) {
  const RecentTakes& r = tls_recent;
  const GraphState& g = Graph();
  auto live = [&](const RecentTake& t) {
    return t.id != kNoClass && t.irq_context == held.irq_context &&
           g.classes.at(t.id).generation.load(std::memory_order_relaxed) == t.generation;
  };
  uint64_t taken = 0;
  bool found = false;
  for (const RecentTake& t : r.ring) {
    if (live(t) && !t.signal && t.id == held.class_id && t.epoch >= taken) {
      taken = t.epoch;
      found = true;
    }
  }
  ExcuseSet set;
  if (!found) return set;
  for (const RecentTake& t : r.ring) {
    if (live(t) && t.signal && t.epoch >= taken && !set.Contains(t.id) && set.n < kMaxExcuses)
      set.ids[set.n++] = t.id;
  }
  return set;
}

__attribute__((noinline, cold)) void LearnSignal(ThreadState& ts, ClassId id, const Dep* deps, int n,
                 uintptr_t ra) ABSL_LOCKS_EXCLUDED(GraphState::mu) {
  GraphState& g = Graph();
  GraphLock lock;
  EventClassInfo& info = Infos()[id];
  if (!Current(info, id)) return;  // reset meanwhile
  uint32_t trace = kNoTrace;
  if (!info.signalled.load(std::memory_order_relaxed)) {
    int kept = std::min(n, kMaxSignalDeps);
    for (int i = 0; i < kept; ++i) {
      info.deps[i].store(deps[i].id, std::memory_order_relaxed);
      info.dep_read[i] = deps[i].read;
      AddEdge(ts, id, 0, deps[i].id, deps[i].read, nullptr, "signal", &trace, ra);
    }
    info.ndeps.store(uint8_t(kept), std::memory_order_release);
    info.signalled.store(1, std::memory_order_release);
    return;
  }
  // Another signal: keep only what it took too. The dropped classes' edges
  // go (only signals of this class make edges out of it).
  int kept = 0;
  for (int i = 0, m = info.ndeps.load(std::memory_order_relaxed); i < m; ++i) {
    bool common = false;
    ClassId dep = info.deps[i].load(std::memory_order_relaxed);
    for (int j = 0; j < n && !common; ++j) common = deps[j].id == dep;
    if (common) {
      info.deps[kept].store(dep, std::memory_order_relaxed);
      info.dep_read[kept] = info.dep_read[i];
      ++kept;
    } else if (Dependency* d = g.graph.Find(id, dep)) {
      g.graph.Remove(uint32_t(d - &g.graph.at(0)));
    }
  }
  info.ndeps.store(uint8_t(kept), std::memory_order_release);
}

// Whether this signal can change what the class depends on: not once an
// earlier signal took nothing (an intersection only shrinks), nor when it
// took everything the class depends on already.
bool SignalTeaches(ClassId id, const Dep* deps, int n) {
  const EventClassInfo& info = Infos()[id];
  if (!info.signalled.load(std::memory_order_acquire)) return true;
  int m = info.ndeps.load(std::memory_order_acquire);
  if (m == 0) return false;
  if (n < m) return true;
  // Lock-free read of a small array a concurrent signal may be shrinking:
  // a wrong "nothing new" only delays the intersection to the next signal.
  for (int i = 0; i < m; ++i) {
    bool found = false;
    ClassId dep = info.deps[i].load(std::memory_order_relaxed);
    for (int j = 0; j < n && !found; ++j) found = deps[j].id == dep;
    if (!found) return true;
  }
  return false;
}

}  // namespace

void NoteAcquisition(const HeldLock& held) {
  // A trylock never waits, so no waiter holding the lock can stop the
  // signaller there (as a trylock adds no lock dependency either).
  if (held.trylock) return;
  Remember(held.class_id, held.read, held.irq_context, held.ip,
           g_event_clock.load(std::memory_order_relaxed));
}

bool IsEventClass(ClassId id) {
  if (!g_events_in_use.load(std::memory_order_relaxed)) return false;
  return Current(Infos()[id], id);
}

bool ReportIfCircularWait(ThreadState& ts, ClassId from, ClassId to,
                          const std::vector<uint32_t>& path, uintptr_t ra) {
  if (!g_events_in_use.load(std::memory_order_relaxed)) return false;
  GraphState& g = Graph();
  bool through_event = false;
  for (uint32_t e : path) {
    if (IsEventClass(g.graph.at(e).from) || IsEventClass(g.graph.at(e).to)) through_event = true;
  }
  if (!through_event) return false;
  if (!CycleExcused(from, ExcuseSet{}, path))
    FoundCircularWait(ts, from, to, path, "acquire", ra);
  return true;
}

const char* EventWaitVerb(ClassId id) {
  switch (Infos()[id].kind) {
    case kLockdepEventCompletion: return "wait_for_completion";
    case kLockdepEventSemaphore: return "down";
    case kLockdepEventCondition: return "cond_wait";
    case kLockdepEventThreadExit: return "join";
    case kLockdepEventFence: return "dma_fence_wait";
    default: return "wait_for";
  }
}

const char* EventSignalVerb(ClassId id) {
  switch (Infos()[id].kind) {
    case kLockdepEventCompletion: return "complete";
    case kLockdepEventSemaphore: return "up";
    case kLockdepEventCondition: return "cond_signal";
    case kLockdepEventThreadExit: return "thread_exit";
    case kLockdepEventFence: return "dma_fence_signal";
    default: return "signal";
  }
}

}  // namespace lockdep

using namespace lockdep;

#define HOOK_RA reinterpret_cast<uintptr_t>(__builtin_return_address(0))

void lockdep_event_init(lockdep_event* ev, const char* name, lock_class_key* key,
                        lockdep_event_kind kind) {
  // From now on acquisitions are remembered: this event's first signaller
  // may already be taking its locks.
  g_events_in_use.store(true, std::memory_order_relaxed);
  ev->kind = kind;
  ev->flags.store(0, std::memory_order_relaxed);
  lockdep_init_map(&ev->map, name, key, 0);
  ev->round.store(Tick(), std::memory_order_release);
}

void lockdep_event_rearm(lockdep_event* ev) {
  ev->round.store(Tick(), std::memory_order_release);
}

void lockdep_event_exclude(lockdep_event* ev) {
  ev->flags.fetch_or(kLockdepEventExcluded, std::memory_order_relaxed);
}

void lockdep_event_set_external(lockdep_event* ev) {
  ev->flags.fetch_or(kLockdepEventExternal, std::memory_order_relaxed);
}

void lockdep_event_set_timeout_unhandled(lockdep_event* ev) {
  ev->flags.fetch_or(kLockdepEventTimeoutUnhandled, std::memory_order_relaxed);
}

void lockdep_events_enable() { g_events_in_use.store(true, std::memory_order_relaxed); }

void lockdep_event_section_start() {
  // Async-signal-safe (irq_enter from a signal handler): a lock-free add.
  if (!g_events_in_use.load(std::memory_order_relaxed)) return;
  ThreadState& ts = CurrentThread();
  tls_recent.section[ts.irq_context()] = Tick();
}

void lockdep_event_wait(lockdep_event* ev, int timed, unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts)) return;
  if (ev->flags.load(std::memory_order_relaxed) & kLockdepEventExcluded) return;
  InValidator guard(ts);
  ts.hook_ip = ip;
  ClassId id = ResolveEvent(ev);
  if (id == kNoClass) return;
  // The wait ends this thread's section: what it does next follows the
  // event, and the wait itself is what its next signal depends on.
  uint8_t ctx = ts.irq_context();
  uint64_t epoch = Tick();
  tls_recent.section[ctx] = epoch;
  // A timed wait is no dependency, neither here nor for a later signal of
  // this thread: the program goes on without the event when it times out.
  if (timed && !GetOptions().timed_waits &&
      !(ev->flags.load(std::memory_order_relaxed) & kLockdepEventTimeoutUnhandled))
    return;
  Remember(id, 0, ctx, ip, epoch);
  // Signalled by this very thread before: its own signal lets it through.
  if (ev->signaller.load(std::memory_order_relaxed) == ThisThread()) return;
  if (ts.depth == 0 || ts.held[ts.depth - 1].irq_context != ctx) return;
  GraphState& g = Graph();
  // As an acquire: from the nearest validated lock, and from every trylock
  // above it (the held locks below already lead to it).
  const HeldLock* prevs[kMaxLockDepth];
  ExcuseSet excuses[kMaxLockDepth];
  int n = 0;
  uint64_t chain = ts.chain_key;
  for (uint32_t i = ts.depth; i-- > 0;) {
    const HeldLock& prev = ts.held[i];
    if (prev.irq_context != ctx) break;
    if (!prev.check) continue;
    prevs[n] = &prev;
    excuses[n] = SignalsUnder(prev);
    // Waits excused differently are validated apart.
    for (int k = 0; k < excuses[n].n; ++k)
      chain = ExtendChainKey(chain, excuses[n].ids[k], 0, 3);
    ++n;
    if (!prev.trylock) break;
  }
  chain = ExtendChainKey(
      chain, id, g.classes.at(id).generation.load(std::memory_order_relaxed), 0);
  if (g.chains.Contains(chain)) return;
  GraphLock lock;
  if (g.chains.Contains(chain)) return;
  uint32_t trace = kNoTrace;
  for (int k = 0; k < n; ++k) {
    AddEdge(ts, prevs[k]->class_id, prevs[k]->read, id, 0, &excuses[k], "wait for", &trace,
            HOOK_RA);
  }
  g.chains.Insert(chain);  // full: validated again next time, nothing lost
}

void lockdep_event_signal(lockdep_event* ev, unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts)) return;
  uint8_t flags = ev->flags.load(std::memory_order_relaxed);
  if (flags & kLockdepEventExcluded) return;
  InValidator guard(ts);
  ts.hook_ip = ip;
  ClassId id = ResolveEvent(ev);
  if (id == kNoClass) return;
  // This signal ends the instance's round: the next signal's work starts now.
  uint64_t now = Tick();
  uint64_t round = ev->round.exchange(now, std::memory_order_acq_rel);
  ev->signaller.store(ThisThread(), std::memory_order_relaxed);
  Remember(id, 0, ts.irq_context(), ip, now, /*signal=*/true);
  if (flags & kLockdepEventExternal) return;
  Dep deps[kRecentTakes + kMaxLockDepth];
  int n = CollectSignalDeps(ts, id, round, deps, int(std::size(deps)));
  if (!SignalTeaches(id, deps, n)) return;
  LearnSignal(ts, id, deps, n, HOOK_RA);
}
