// The hooks of lockdep.h: held-lock bookkeeping on the fast path, and on a new
// chain the checks of Linux's validate_chain(): recursion, then a dependency
// from the held locks to the new one, each proven free of cycles first.
#include "runtime/graph/validator.h"

#include <cstdio>
#include <cstring>
#include <string_view>

#include "absl/strings/str_format.h"
#include "runtime/graph/edge_context.h"
#include "runtime/graph/freed_memory.h"
#include "runtime/graph/key_origin.h"
#include "runtime/base/link_anchors.h"
#include "runtime/graph/lock_order.h"
#include "runtime/graph/lock_stat.h"
#include "runtime/lockdep.h"
#include "runtime/base/options.h"
#include "runtime/reports/report_log.h"
#include "runtime/graph/finding_records.h"
#include "runtime/reports/lock_reports.h"
#include "runtime/base/static_storage.h"
#include "runtime/graph/usage.h"
#include "runtime/graph/wait_graph.h"

namespace lockdep {

std::atomic<bool> g_validation_enabled{true};
std::atomic<uint64_t> g_untracked_handler_acquisitions{0};

}  // namespace lockdep

lock_class_key lockdep_no_validate_key;

namespace lockdep {

std::atomic<GraphState*> g_graph_state{nullptr};
std::atomic<AcquireObserver> g_acquire_observer{nullptr};
std::atomic<ReleaseObserver> g_release_observer{nullptr};

void SetLockObservers(AcquireObserver acquired, ReleaseObserver released) {
  g_release_observer.store(released, std::memory_order_release);
  g_acquire_observer.store(acquired, std::memory_order_release);
}

// The holder counts as inside the runtime (recursion): an interrupt handler
// arriving meanwhile must not try to take the graph lock again.
GraphLock::GraphLock() {
  ThreadState& ts = CurrentThread();
  ++ts.recursion;
  GraphState::mu.lock();
  BeginDeferringReports();
}

void GraphLock::Unlock() {
  if (!locked_) return;
  locked_ = false;
  ThreadState& ts = CurrentThread();
  EndDeferringReports();
  GraphState::mu.unlock();
  EmitDeferredReports();
  --ts.recursion;
}

GraphState& CreateGraph() {
  // Never destroyed: hooks run during exit, after static destructors.
  static GraphState* state = new GraphState;
  g_graph_state.store(state, std::memory_order_release);
  return *state;
}

namespace {

#define LOCKDEP_COLD __attribute__((noinline, cold))
#define LOCKDEP_HOT inline __attribute__((always_inline))

bool MapLive(const lockdep_map* map) {
  uint32_t s = map->state.load(std::memory_order_relaxed);
  return s == kLockdepMapLive || s == kLockdepMapStatic;
}

// Prints one BUG line and turns validation off, as Linux's debug_locks_off()
// does when a table fills or a lock is used in a way it cannot track.
LOCKDEP_COLD void TurnOff(std::string title, const char* why) {
  bool was = g_validation_enabled.exchange(false);
  if (!was) return;
  Report r;
  r.kind = ReportKind::kLimitReached;
  r.tid = CurrentTid();
  r.title = std::move(title);
  r.text = absl::StrFormat("%s lockdep: %s; validation is now off for this process\n",
                           r.title, why);
  EmitReport(std::move(r));
}

LOCKDEP_COLD void LimitReached(const char* what) {
  TurnOff(absl::StrFormat("BUG: %s too low!", what), "a fixed table is full");
}

// ---------------------------------------------------------------------------
// Reports made by the hooks.

// Each detects nothing itself: it de-duplicates, fills the record of what
// was found and hands it to the report text (runtime/reports/lock_reports.h).

LOCKDEP_COLD void FoundBadMap(ThreadState& ts, const lockdep_map* map, const char* action,
                              uintptr_t ra) {
  if (!FirstReportOf(ReportKind::kUninitializedLock,
                     reinterpret_cast<uintptr_t>(map), 0))
    return;
  BadMapFinding f;
  f.map = map;
  f.class_name = map->name ? map->name : "";
  f.action = action;
  f.destroyed = map->state.load(std::memory_order_relaxed) == kLockdepMapDestroyed;
  if (f.destroyed) f.freed_text = FreedMemoryText(map);
  f.task = TaskRecordOf(ts, ra);
  ReportBadMap(f);
}

LOCKDEP_COLD void FoundUnregisteredKey(ThreadState& ts, const lockdep_map* map,
                                       ClassKey key, unsigned subclass, uintptr_t ra) {
  if (!FirstReportOf(ReportKind::kUninitializedLock, key - subclass, 1)) return;
  UnregisteredKeyFinding f;
  f.map = map;
  f.key = reinterpret_cast<const void*>(key - subclass);
  f.class_name = map->name ? map->name : "";
  f.task = TaskRecordOf(ts, ra);
  ReportUnregisteredKey(f);
}

void FoundRecursive(ThreadState& ts, const HeldLock& prev, const HeldLock& next,
                    uintptr_t ra, const lockdep_lock_order* order) {
  if (!FirstReportOf(ReportKind::kRecursiveLocking, KeyId(next.class_id), 0))
    return;
  RecursiveFinding f;
  f.next = LockRecordOf(next);
  f.prev = LockRecordOf(prev);
  if (order != nullptr) {
    f.next.description = DescribeLock(*order, next.map);
    f.prev.description = DescribeLock(*order, prev.map);
    f.order = CompareLocks(*order, prev.map, next.map);
  }
  f.key_origin = next.map != nullptr ? KeyOrigin(next.map->key) : "";
  f.task = TaskRecordOf(ts, ra);
  ReportRecursive(f);
}

void FoundCircular(ThreadState& ts, const HeldLock& prev, const HeldLock& next,
                   const std::vector<uint32_t>& path, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  GraphState& g = Graph();
  if (ReportIfCircularWait(ts, prev.class_id, next.class_id, path, ra)) return;
  uint64_t a = KeyId(prev.class_id), b = KeyId(next.class_id);
  if (!FirstReportOf(ReportKind::kCircularDependency, std::min(a, b),
                     std::max(a, b)))
    return;
  CircularFinding f;
  f.next = LockRecordOf(next);
  f.prev = LockRecordOf(prev);
  for (uint32_t e : path) {
    const Dependency& d = g.graph.at(e);
    f.chain.push_back({ClassName(d.to), StoredStack(d.trace)});
  }
  // The class taken just before `prev` on the existing path.
  const ClassId parent = g.graph.at(path.back()).from;
  f.parent_class = ClassName(parent);
  f.longer_than_two = parent != next.class_id;
  CycleContext(g.graph, path, ts, prev, &f.gates, &f.one_thread);
  f.task = TaskRecordOf(ts, ra);
  // The acquisition happening now is where this thread stands: one unwind.
  f.new_stack = f.task.stack;
  ReportCircular(f);
}

LOCKDEP_COLD void FoundBadUnlock(ThreadState& ts, const lockdep_map* map, unsigned long ip,
                                 const char* what, uintptr_t ra) {
  ClassKey key = KeyOf(map, map->subclass);
  if (!FirstReportOf(ReportKind::kBadUnlockBalance, key, 0)) return;
  BadUnlockFinding f;
  f.class_name = MapName(map);
  f.what = what;
  f.ip = ip;
  f.task = TaskRecordOf(ts, ra);
  ReportBadUnlock(f);
}

void FoundHeldLockFreed(ThreadState& ts, const HeldLock* held, const lockdep_map* map,
                        const void* from, unsigned long len, uintptr_t ra) {
  ClassKey key = held ? KeyId(held->class_id) : KeyOf(map, map->subclass);
  if (!FirstReportOf(ReportKind::kHeldLockFreed, key, 0)) return;
  HeldLockFreedFinding f;
  if (held) f.held = LockRecordOf(*held);
  f.from = from;
  f.len = len;
  f.map = map;
  f.class_name = MapName(map);
  f.task = TaskRecordOf(ts, ra);
  ReportHeldLockFreed(f);
}

LOCKDEP_COLD void FoundNestNotHeld(ThreadState& ts, const HeldLock& next,
                                   const lockdep_map* nest, uintptr_t ra) {
  if (!FirstReportOf(ReportKind::kNestLockNotHeld, KeyId(next.class_id),
                     KeyOf(nest, nest->subclass)))
    return;
  NestNotHeldFinding f;
  f.next = LockRecordOf(next);
  f.nest_class = MapName(nest);
  f.task = TaskRecordOf(ts, ra);
  ReportNestNotHeld(f);
}

LOCKDEP_COLD void FoundChainKeyCollision(ThreadState& ts, const HeldLock& next,
                                         uint64_t key, uintptr_t ra) {
  if (!FirstReportOf(ReportKind::kChainKeyCollision, key, 0)) return;
  ChainKeyCollisionFinding f;
  f.next = LockRecordOf(next);
  f.key = key;
  f.task = TaskRecordOf(ts, ra);
  ReportChainKeyCollision(f);
}

void FoundLocksHeld(ThreadState& ts, const char* why, uintptr_t ra) {
  uint64_t first = ts.depth ? KeyId(ts.held[0].class_id) : 0;
  if (!FirstReportOf(ReportKind::kLockHeldAtExit, first, 0)) return;
  LocksHeldFinding f;
  f.why = why;
  f.task = TaskRecordOf(ts, ra);
  ReportLocksHeld(f);
}

}  // namespace

// ---------------------------------------------------------------------------
// Validation (graph lock held).

uint32_t SaveTrace(uintptr_t ra) {
  uintptr_t pcs[kMaxStackDepth];
  return SaveCapturedTrace(pcs, CaptureFromHook(ra, pcs, kMaxStackDepth));
}

uint32_t SaveCapturedTrace(const uintptr_t* pcs, int n) {
  if (n == 0) return kNoTrace;
  uint32_t id = Graph().traces.Save(pcs, n);
  if (id == kNoTrace && Graph().traces.full()) LimitReached("MAX_STACK_TRACE_ENTRIES");
  return id;
}

namespace {

std::atomic<int (*)(const lockdep_map*, const lockdep_map*)> g_same_class_filter{nullptr};

// lockdep_set_same_class_filter(): a pair its caller judges per instance.
bool JudgedElsewhere(const HeldLock& prev, const HeldLock& next) {
  auto* filter = g_same_class_filter.load(std::memory_order_relaxed);
  return filter != nullptr && prev.map != next.map && filter(prev.map, next.map) != 0;
}

// Linux's check_deadlock(): 0 recursion reported, 1 fine, 2 nested under a
// held nest_lock (no new dependencies either). `*by_order` is set when a
// pair of one class was accepted by the class's lock order: then the
// verdict depends on the instances, not the classes, and the chain must not
// be cached (its next use may take the pair the other way round).
int CheckRecursion(ThreadState& ts, const HeldLock& next, uintptr_t ra,
                   bool* by_order) {
  bool nest_held = false;  // the nest_lock must be held below the same class
  for (uint32_t i = 0; i < ts.depth; ++i) {
    const HeldLock& prev = ts.held[i];
    if (next.nest_lock && prev.map == next.nest_lock) nest_held = true;
    if (prev.class_id != next.class_id) continue;
    if (next.read == 2 && prev.read) continue;  // recursive read of a read
    const LockClass& c = Graph().classes.at(prev.class_id);
    const lockdep_lock_order* order = LockOrderOf(
        c.key.load(std::memory_order_relaxed) - c.subclass);
    if (order != nullptr && CompareLocks(*order, prev.map, next.map) < 0) {
      *by_order = true;
      continue;
    }
    if (nest_held) return 2;
    if (JudgedElsewhere(prev, next)) continue;
    FoundRecursive(ts, prev, next, ra, order);
    return 0;
  }
  return 1;
}

// Linux's check_prev_add(): proves prev -> next closes no cycle, then records it.
// The stack of the acquisition being validated, captured before the graph
// lock is taken (unwinding is the slowest part of a new dependency and needs
// no shared state) and stored in the trace table once a dependency needs it.
// Where capturing is slow (ThreadSanitizer builds) it waits until needed.
struct AcquireTrace {
  explicit AcquireTrace(uintptr_t hook_return) : ra(hook_return) {}
  uintptr_t ra;
  uintptr_t pcs[kMaxStackDepth];
  int n = -1;  // not captured yet
  uint32_t id = kNoTrace;
  bool saved = false;
  void Capture() { n = CaptureFromHook(ra, pcs, kMaxStackDepth); }
  uint32_t Id() ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
    if (!saved) {
      saved = true;
      if (n < 0) Capture();
      id = SaveCapturedTrace(pcs, n);
    }
    return id;
  }
};

void AddDependency(ThreadState& ts, const HeldLock& prev, const HeldLock& next,
                   AcquireTrace* trace, uintptr_t ra)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(GraphState::mu) {
  GraphState& g = Graph();
  if (prev.class_id == next.class_id) return;
  std::vector<uint32_t> path = g.graph.FindDeadlockPath(
      next.class_id, next.read == 2, prev.class_id, prev.read);
  // A reported dependency is still learnt: validation goes on after a report
  // (Linux stops instead), so the graph must hold every order seen, or a
  // later, different cycle through this edge would go unreported.
  if (!path.empty()) {
    FoundCircular(ts, prev, next, path, ra);
  } else {
    CheckIrqDependency(ts, prev, next, ra);
  }
  uint8_t bit = DependencyBit(prev.read, next.read);
  if (Dependency* d = g.graph.Find(prev.class_id, next.class_id)) {
    d->types |= bit;
    NoteContextAgain(*d, ts, prev);
    return;
  }
  if (Dependency* d = g.graph.Add(prev.class_id, next.class_id, bit, trace->Id(), next.ip)) {
    NoteFirstContext(*d, ts, prev);
  } else {
    LimitReached("MAX_LOCKDEP_ENTRIES");
  }
}

// check_chains: true (and reported) when the cached `key` was recorded for
// other held classes than the ones it stands for now.
LOCKDEP_COLD bool ChainKeyCollides(ThreadState& ts, const HeldLock& next,
                                   uint64_t key, uintptr_t ra) {
  if (!ChainCheckEnabled()) return false;
  if (Graph().chain_check.Verify(key, ChainEntries(ts, next))) return false;
  FoundChainKeyCollision(ts, next, key, ra);
  return true;
}

// Validates a chain not in the cache: `next` is about to be pushed on ts.
LOCKDEP_COLD void ValidateChain(ThreadState& ts, const HeldLock& next, uint64_t chain_key,
                   uintptr_t ra) ABSL_LOCKS_EXCLUDED(GraphState::mu) {
  GraphState& g = Graph();
  AcquireTrace trace(ra);
  if (kCaptureIsCheap && ts.depth > 0 && !g.chains.Contains(chain_key)) trace.Capture();
  GraphLock lock;
  if (!g_validation_enabled.load(std::memory_order_relaxed)) return;
  if (g.chains.Contains(chain_key) && !ChainKeyCollides(ts, next, chain_key, ra)) return;
  // After a recursion report the other held locks still teach their
  // dependencies (see AddDependency); under a held nest_lock none are new.
  bool by_order = false;
  int ret = CheckRecursion(ts, next, ra, &by_order);
  if (ret != 2 && ts.depth > 0) {
    // Edges from the nearest validated lock, and from every trylock above it
    // (a trylock adds no dependency for itself but locks under it depend on it).
    for (uint32_t i = ts.depth; i-- > 0;) {
      const HeldLock& prev = ts.held[i];
      if (prev.irq_context != next.irq_context) break;
      if (!prev.check) continue;
      AddDependency(ts, prev, next, &trace, ra);
      if (!prev.trylock) break;
    }
  }
  if (by_order) return;  // judged per instance: validated on every use
  if (g.chains.full() && g.classes.removed_count() != g.removed_at_chain_flush) {
    // Chains through removed classes are dead (their generation moved on):
    // a full table that holds some is recycled, not a limit. It is a cache:
    // live chains are validated again on their next use, nothing is lost.
    g.removed_at_chain_flush = g.classes.removed_count();
    g.chains.Clear();
    g.chain_check.Clear();
  }
  if (!g.chains.Insert(chain_key)) {
    LimitReached("MAX_LOCKDEP_CHAINS");
  } else if (ChainCheckEnabled()) {
    g.chain_check.Record(chain_key, ChainEntries(ts, next));
  }
}

// MaxLockDepthSeen()'s. A thread raises it only when it passes its own
// deepest (ThreadState::max_depth), so the shared line is written a few
// times per thread, not on every acquire.
std::atomic<uint32_t> g_max_lock_depth{0};

LOCKDEP_COLD void RaiseMaxDepth(ThreadState& ts) {
  ts.max_depth = ts.depth;
  uint32_t seen = g_max_lock_depth.load(std::memory_order_relaxed);
  while (seen < ts.depth &&
         !g_max_lock_depth.compare_exchange_weak(seen, ts.depth, std::memory_order_relaxed)) {
  }
}

// Pushes `held` on ts. The fast path builds it in place (held is the free
// slot ts.held[ts.depth]): copying a just-written 48-byte struct stalls on
// store forwarding.
LOCKDEP_HOT void Push(GraphState& g, ThreadState& ts, const HeldLock& held, uintptr_t ra) {
  HeldLock& slot = ts.held[ts.depth];
  if (&slot != &held) slot = held;
  // Dependencies never cross contexts: an interrupt handler's locks do not
  // depend on what the interrupted code holds, so a context change starts a
  // new chain (Linux resets the chain key there), whose key names the context.
  bool new_context =
      ts.depth == 0 || ts.held[ts.depth - 1].irq_context != slot.irq_context;
  const uint64_t prev = new_context ? ContextChainSeed(slot.irq_context) : ts.chain_key;
  const uint64_t link = ChainStep(
      slot.class_id, g.classes.at(slot.class_id).generation.load(std::memory_order_relaxed),
      slot.read);
  const bool validated = slot.check && !slot.trylock;
  ChainMemo* memo = ts.depth < kChainMemoDepth ? &ts.chain_memo[ts.depth] : nullptr;
  uint64_t key;
  bool known = false;
  if (memo != nullptr && memo->prev == prev && memo->link == link &&
      memo->clears == g.chains.clears()) {
    key = memo->key;
    known = true;
  } else {
    key = ExtendChainKey(prev, link);
    if (validated) {
      const uint32_t clears = g.chains.clears();  // before: a Clear() now misses
      known = g.chains.Contains(key);
      if (known && memo != nullptr) *memo = ChainMemo{prev, link, key, clears};
    }
  }
  slot.prev_chain_key = ts.chain_key;
  // With check_chains every hit is verified too (under the graph lock).
  if (validated && (!known || ChainCheckEnabled())) ValidateChain(ts, slot, key, ra);
  ts.depth++;
  ts.chain_key = key;
  if (__builtin_expect(ts.depth > ts.max_depth, 0)) RaiseMaxDepth(ts);
}

// Re-pushes held[from..depth) after held[from] was removed or changed, so the
// chain keys (and any new chains) are right again.
LOCKDEP_COLD void RebuildFrom(ThreadState& ts, uint32_t from, bool drop_first, uintptr_t ra) {
  HeldLock saved[kMaxLockDepth];
  uint32_t n = 0;
  for (uint32_t i = from + (drop_first ? 1 : 0); i < ts.depth; ++i) saved[n++] = ts.held[i];
  ts.chain_key = ts.held[from].prev_chain_key;
  ts.depth = from;
  for (uint32_t i = 0; i < n; ++i) Push(Graph(), ts, saved[i], ra);
}

LOCKDEP_HOT int FindHeld(const ThreadState& ts, const lockdep_map* map) {
  for (uint32_t i = ts.depth; i-- > 0;) {
    const HeldLock& h = ts.held[i];
    if (h.map == map) return int(i);
    if (h.references) {
      const LockClass& c = Graph().classes.at(h.class_id);
      if (KeyOf(map, c.subclass) == c.key.load(std::memory_order_relaxed)) return int(i);
    }
  }
  return -1;
}

// True when the key of `map` may found a class (static or registered).
bool KeyAllowed(const void* base) ABSL_LOCKS_EXCLUDED(GraphState::mu) {
  GraphState& g = Graph();
  GraphLock lock;
  return IsStaticAddress(base) ||
         g.dynamic_keys.count(reinterpret_cast<uintptr_t>(base));
}

bool KeyUsable(const lockdep_map* map) {
  return Graph().classes.Find(KeyOf(map, map->subclass)) != kNoClass ||
         KeyAllowed(reinterpret_cast<const void*>(KeyOf(map, 0)));
}

LOCKDEP_COLD ClassId ResolveClass(ThreadState& ts, lockdep_map* map, unsigned subclass,
                     ClassKey key, uintptr_t ra) ABSL_LOCKS_EXCLUDED(GraphState::mu) {
  GraphState& g = Graph();
  ClassId id = g.classes.Find(key);
  if (id == kNoClass) {
    GraphLock lock;
    id = g.classes.Find(key);
    if (id == kNoClass) {
      const void* base = reinterpret_cast<const void*>(key - subclass);
      if (!IsStaticAddress(base) &&
          !g.dynamic_keys.count(reinterpret_cast<uintptr_t>(base))) {
        lock.Unlock();
        FoundUnregisteredKey(ts, map, key, subclass, ra);
        return kNoClass;
      }
      id = g.classes.Add(key, uint8_t(subclass), map->name);
      if (id == kNoClass) {
        LimitReached("MAX_LOCKDEP_KEYS");
        return kNoClass;
      }
    }
  }
  map->class_cache[subclass].store(id, std::memory_order_release);
  return id;
}

// As Linux's look_up_lock_class(): the lock cannot be tracked, and an
// untracked held lock would make every later report about it wrong.
LOCKDEP_COLD void BadSubclass(const lockdep_map* map, unsigned subclass) {
  TurnOff(absl::StrFormat("BUG: looking up invalid subclass: %u", subclass),
          absl::StrFormat("lock %s used with subclass %u (valid: 0..%u)",
                          map->name ? map->name : "?", subclass,
                          kLockdepMaxSubclasses - 1).c_str());
}

LOCKDEP_HOT void Acquire(ThreadState& ts, lockdep_map* map, unsigned subclass, int trylock,
             int read, int check, lockdep_map* nest, unsigned long ip,
             uintptr_t ra) {
  if (!MapLive(map)) {
    FoundBadMap(ts, map, "acquire", ra);
    return;
  }
  if (map->novalidate) check = 0;  // the no-validate class (see lockdep.h)
  if (subclass == 0) subclass = map->subclass;
  if (__builtin_expect(subclass >= kLockdepMaxSubclasses, 0)) {
    BadSubclass(map, subclass);
    return;
  }
  ClassKey key = KeyOf(map, subclass);
  ClassId id = map->class_cache[subclass].load(std::memory_order_acquire);
  GraphState& g = Graph();  // once: an atomic load is never merged
  if (__builtin_expect(!g.classes.Matches(id, key), 0)) {
    id = ResolveClass(ts, map, subclass, key, ra);
    if (id == kNoClass) return;
  }
  // Built where Push wants it: the free slot (the spare one when the stack
  // is full, which then only merges or reports).
  HeldLock& held = ts.depth < kMaxLockDepth ? ts.held[ts.depth] : ts.spare;
  held.map = map;
  held.nest_lock = nest;
  held.ip = ip;
  held.class_id = id;
  held.read = uint8_t(read);
  held.trylock = uint8_t(trylock != 0);
  held.check = uint8_t(check != 0);
  held.irq_context = ts.irq_context();
  held.hardirqs_off = ts.hardirqs_off;
  held.references = 0;
  if (check) {
    // New contexts for this class are rare: one load decides.
    uint16_t bits = UsageOf(ts, held);
    uint16_t known = g.classes.at(id).usage.load(std::memory_order_acquire);
    if (__builtin_expect((known & bits) != bits, 0)) MarkUsage(ts, held, bits, ra);
  }
  if (nest && ts.depth > 0) {
    // Many locks of one class under their nest_lock share one entry, as in
    // Linux, so the chain (and the depth) stays that of the first.
    HeldLock& top = ts.held[ts.depth - 1];
    if (top.class_id == id) {
      top.references = (top.references ? top.references : 1) + 1;
      return;
    }
  }
  if (nest && FindHeld(ts, nest) < 0) FoundNestNotHeld(ts, held, nest, ra);
  if (ts.depth >= kMaxLockDepth) {
    LimitReached("MAX_LOCK_DEPTH");
    return;
  }
  Push(g, ts, held, ra);  // a report's sink may have changed ts.depth: Push copies then
}

LOCKDEP_HOT void Release(ThreadState& ts, lockdep_map* map, unsigned long ip, uintptr_t ra) {
  int i = FindHeld(ts, map);
  if (i < 0) {
    // Locks refused at acquire (never initialised, unregistered key) were
    // reported then and not tracked; their release is not a second problem.
    if (MapLive(map) && KeyUsable(map)) FoundBadUnlock(ts, map, ip, "release", ra);
    return;
  }
  HeldLock& h = ts.held[i];
  if (h.references > 1) {
    --h.references;
    return;
  }
  if (uint32_t(i) == ts.depth - 1) {  // in order: just pop
    ts.depth--;
    ts.chain_key = h.prev_chain_key;
    return;
  }
  RebuildFrom(ts, uint32_t(i), /*drop_first=*/true, ra);
}

}  // namespace

uint32_t MaxLockDepthSeen() { return g_max_lock_depth.load(std::memory_order_relaxed); }

void OnThreadExit(ThreadState& ts) {
  if (ts.depth > 0 && g_validation_enabled.load(std::memory_order_relaxed)) {
    InValidator guard(ts);
    FoundLocksHeld(ts, "is exiting", 0);
  }
  ts.depth = 0;
  ts.chain_key = kEmptyChainKey;
}

}  // namespace lockdep

using namespace lockdep;

#define HOOK_RA reinterpret_cast<uintptr_t>(__builtin_return_address(0))

void lockdep_init_map(lockdep_map* map, const char* name, lock_class_key* key,
                      int subclass) {
  lockdep_init_map_wait(map, name, key, subclass, 0);
}

void lockdep_init_map_wait(lockdep_map* map, const char* name,
                           lock_class_key* key, int subclass, int spinning) {
  map->spinning = uint8_t(spinning != 0);
  map->key = key;
  map->name = name;
  map->subclass = uint8_t(subclass);
  map->novalidate = 0;
  for (auto& c : map->class_cache) c.store(kNoClass, std::memory_order_relaxed);
  map->state.store(kLockdepMapLive, std::memory_order_release);
}

void lockdep_destroy_map(lockdep_map* map, int still_locked) {
  ThreadState& ts = CurrentThread();
  if (Tracking(ts) && MapLive(map)) {
    InValidator guard(ts);
    // The exact lock: a merged nest_lock entry of its class is not this one.
    int i = -1;
    for (uint32_t j = 0; j < ts.depth; ++j) {
      if (ts.held[j].map == map) i = int(j);
    }
    if (i >= 0) {
      FoundHeldLockFreed(ts, &ts.held[i], map, map, sizeof(*map), HOOK_RA);
    } else if (still_locked) {
      FoundHeldLockFreed(ts, nullptr, map, map, sizeof(*map), HOOK_RA);
    }
  }
  map->state.store(kLockdepMapDestroyed, std::memory_order_release);
}

void lock_acquire(lockdep_map* map, unsigned int subclass, int trylock,
                  int read, int check, lockdep_map* nest_lock,
                  unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts)) {
    if (__builtin_expect(ts.irq_entered_in_runtime != 0, 0) && ts.recursion &&
        ts.off_count == 0 && g_validation_enabled.load(std::memory_order_relaxed)) {
      g_untracked_handler_acquisitions.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  InValidator guard(ts);
  ts.hook_ip = ip;
  Acquire(ts, map, subclass, trylock, read, check, nest_lock, ip, HOOK_RA);
  if (__builtin_expect(g_events_in_use.load(std::memory_order_relaxed), 0) &&
      ts.depth > 0 && ts.held[ts.depth - 1].map == map && ts.held[ts.depth - 1].check) {
    NoteAcquisition(ts.held[ts.depth - 1]);
  }
  if (__builtin_expect(LockStatOn(), 0)) LockStatAcquire(map, subclass, ip);
  if (AcquireObserver observe = g_acquire_observer.load(std::memory_order_relaxed)) {
    observe(ts, map, trylock, read, ip, HOOK_RA);
  }
}

void lock_release(lockdep_map* map, unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts)) return;
  InValidator guard(ts);
  ts.hook_ip = ip;
  Release(ts, map, ip, HOOK_RA);
  if (__builtin_expect(LockStatOn(), 0)) LockStatRelease(map);
  if (ReleaseObserver observe = g_release_observer.load(std::memory_order_relaxed)) {
    observe(ts);
  }
}

void lock_downgrade(lockdep_map* map, int read, unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts)) return;
  InValidator guard(ts);
  ts.hook_ip = ip;
  int i = FindHeld(ts, map);
  if (i < 0) {
    if (MapLive(map)) FoundBadUnlock(ts, map, ip, "downgrade", HOOK_RA);
    return;
  }
  ts.held[i].read = uint8_t(read);
  RebuildFrom(ts, uint32_t(i), /*drop_first=*/false, HOOK_RA);
}

namespace {
// -1 unknown (validation off here), 0 not held, 1 held in the asked mode.
int HeldState(const lockdep_map* map, int read) {
  ThreadState& ts = CurrentThread();
  if (!g_validation_enabled.load(std::memory_order_relaxed) || ts.off_count) return -1;
  int i = FindHeld(ts, map);
  if (i < 0) return 0;
  if (read == -1) return 1;
  return (ts.held[i].read != 0) == (read != 0) ? 1 : 0;
}

void AssertFailed(ReportKind kind, std::string title, const lockdep_map* map,
                  const char* expr, const char* expectation, unsigned long ip,
                  uintptr_t ra) {
  ThreadState& ts = CurrentThread();
  uint64_t id = map ? KeyOf(map, map->subclass) : 0;
  if (!FirstReportOf(kind, id, uint64_t(title.size()))) return;
  InValidator guard(ts);
  AssertFinding f;
  f.map = map;
  f.class_name = map && map->name ? map->name : "";
  f.expectation = expectation;
  f.expr = expr;
  f.ip = ip;
  f.task = TaskRecordOf(ts, ra);
  ReportAssertFailed(kind, std::move(title), f);
}
}  // namespace

void lockdep_report_misuse(lockdep::ReportKind kind, const char* phrase,
                           const char* detail, const lockdep_map* lock,
                           unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (!g_validation_enabled.load(std::memory_order_relaxed) || ts.recursion) return;
  uint64_t id = lock ? KeyOf(lock, lock->subclass) : 0;
  if (!FirstReportOf(kind, id, std::hash<std::string_view>()(detail))) return;
  InValidator guard(ts);
  ts.hook_ip = ip;
  AssertFinding f;
  f.map = lock;
  f.class_name = lock && lock->name ? lock->name : "";
  f.expectation = detail;
  f.ip = ip;
  f.task = TaskRecordOf(ts, HOOK_RA);
  ReportMisuse(kind, phrase, f);
}

int lockdep_ww_inject_interval() { return GetOptions().ww_inject; }

int lock_is_held_type(const lockdep_map* map, int read) {
  return HeldState(map, read) != 0;
}

int lockdep_depth() { return static_cast<int>(CurrentThread().depth); }

void lockdep_assert_held_hook(const lockdep_map* map, int read, const char* expr,
                              unsigned long ip) {
  if (HeldState(map, read) != 0) return;
  std::string title = "WARNING: lockdep_assert_held failed";
  const char* expectation = "does not hold a lock it must hold:";
  if (read == 0) {
    title += " (write)";
    expectation = "does not hold for write a lock it must hold for write:";
  } else if (read == 1) {
    title += " (read)";
    expectation = "does not hold for read a lock it must hold for read:";
  }
  AssertFailed(ReportKind::kAssertHeldFailed, std::move(title), map, expr,
               expectation, ip, HOOK_RA);
}

void lockdep_assert_not_held_hook(const lockdep_map* map, const char* expr,
                                  unsigned long ip) {
  if (HeldState(map, -1) != 1) return;
  AssertFailed(ReportKind::kAssertNotHeldFailed,
               "WARNING: lockdep_assert_not_held failed", map, expr,
               "holds a lock it must not hold:", ip, HOOK_RA);
}

void lockdep_assert_none_held_hook(unsigned long ip) {
  ThreadState& ts = CurrentThread();
  if (!g_validation_enabled.load(std::memory_order_relaxed) || ts.off_count ||
      ts.depth == 0)
    return;
  AssertFailed(ReportKind::kAssertNotHeldFailed,
               "WARNING: lockdep_assert_not_held failed (no lock may be held)",
               nullptr, "", "holds locks where it must hold none "
               "(lockdep_assert_none_held_once)", ip, HOOK_RA);
}

void debug_check_no_locks_freed(const void* addr, unsigned long len) {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts) || len == 0) return;
  InValidator guard(ts);
  auto from = reinterpret_cast<uintptr_t>(addr);
  for (uint32_t i = 0; i < ts.depth; ++i) {
    auto m = reinterpret_cast<uintptr_t>(ts.held[i].map);
    if (m >= from && m < from + len) {
      FoundHeldLockFreed(ts, &ts.held[i], ts.held[i].map, addr, len, HOOK_RA);
      return;
    }
  }
}

void debug_check_no_locks_held() {
  ThreadState& ts = CurrentThread();
  if (!Tracking(ts) || ts.depth == 0) return;
  InValidator guard(ts);
  FoundLocksHeld(ts, "must hold no locks here, but is", HOOK_RA);
}

namespace lockdep {
// Forgets one class: its dependencies, its id (reused later). Chains through
// it die with its generation; no flush of the chain cache, so every other
// thread keeps its fast path. Graph lock held.
void ForgetClass(GraphState& g, ClassId id) {
  g.graph.RemoveClass(id);
  g.classes.Remove(id);
}
}  // namespace lockdep

void lockdep_register_key(lock_class_key* key) {
  GraphState& g = Graph();
  GraphLock lock;
  g.dynamic_keys.insert(reinterpret_cast<uintptr_t>(key));
}

void lockdep_unregister_key(lock_class_key* key) {
  GraphState& g = Graph();
  GraphLock lock;
  auto base = reinterpret_cast<uintptr_t>(key);
  g.dynamic_keys.erase(base);
  for (unsigned sub = 0; sub < kLockdepMaxSubclasses; ++sub) {
    ClassId id = g.classes.Find(base + sub);
    if (id != kNoClass) ForgetClass(g, id);
  }
}

void lockdep_free_key_range(const void* start, unsigned long size) {
  GraphState& g = Graph();
  GraphLock lock;
  const auto from = reinterpret_cast<uintptr_t>(start);
  for (ClassId id = 1; id <= g.classes.high_water(); ++id) {
    const ClassKey key = g.classes.at(id).key.load(std::memory_order_relaxed);
    // A class's key is its lock_class_key's address plus the subclass (or a
    // DEFINE_* lock's own address): in the range means defined there.
    if (key != 0 && key - g.classes.at(id).subclass - from < size) ForgetClass(g, id);
  }
  for (auto it = g.dynamic_keys.lower_bound(from);
       it != g.dynamic_keys.end() && *it - from < size;) {
    it = g.dynamic_keys.erase(it);
  }
}

void lockdep_set_same_class_filter(int (*filter)(const lockdep_map*, const lockdep_map*)) {
  g_same_class_filter.store(filter, std::memory_order_relaxed);
}

void lockdep_off() { ++CurrentThread().off_count; }
void lockdep_on() {
  ThreadState& ts = CurrentThread();
  if (ts.off_count) --ts.off_count;
}


namespace lockdep {

void ClearGraphForReset() {
  GraphState& g = Graph();
  {
    GraphLock lock;
    g.graph.Clear();
    g.classes.Clear();
    g.usage_seen = 0;
    g.chains.Clear();
    g.chain_check.Clear();
    g.traces.Clear();
  }
  ThreadState& ts = CurrentThread();
  ts.depth = 0;
  ts.chain_key = kEmptyChainKey;
  g_validation_enabled.store(true);
}

bool ValidationEnabled() {
  return g_validation_enabled.load(std::memory_order_relaxed);
}

// Keeps the start-up and exit work in static links (runtime/base/link_anchors.h).
[[gnu::used]] static const char* const kLinkAnchors[] = {&kProcessExitAnchor,
                                                         &kForkSafetyAnchor};

}  // namespace lockdep
