#include "instrument/preload/instance_order.h"

#include <cstdio>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "instrument/preload/internal_lock.h"
#include "instrument/preload/lock_classes.h"
#include "instrument/preload/reentry.h"
#include "runtime/lockdep.h"
#include "runtime/base/options.h"
#include "runtime/stacks/stack_trace.h"

namespace lockdep::preload {
namespace {

constexpr int kEdgeFrames = 8;
constexpr int kMaxHeld = 48;  // as the validator's held-lock depth

struct Held {
  LockEntry* entry;
  int read;
};

// This thread's tracked locks, in the order taken (initial-exec TLS: no
// allocation, usable from the allocator's interposers).
__thread Held t_held[kMaxHeld] __attribute__((tls_model("initial-exec")));
__thread int t_depth __attribute__((tls_model("initial-exec")));

struct Order {
  LockEntry* to;
  int frames;
  uintptr_t pcs[kEdgeFrames];  // the acquire of `to` with `from` held
};

struct Instance {
  std::vector<Order> out;
  std::vector<LockEntry*> in;
};

// The order graph over instances. Its memory is the library's own (taken
// in Busy scopes, so the allocator passes it through untracked).
struct Graph {
  std::unordered_map<LockEntry*, Instance> nodes;
  std::unordered_set<const void*> reported_keys;  // one cycle report per class
  size_t orders = 0;
};

bool g_per_instance = false;
InternalLock g_lock;
Graph* g_graph = nullptr;  // under g_lock; made at first use, never freed

Graph& TheGraph() {
  if (g_graph == nullptr) g_graph = new Graph;
  return *g_graph;
}

const Order* FindOrder(const Instance& from, const LockEntry* to) {
  for (const Order& o : from.out) {
    if (o.to == to) return &o;
  }
  return nullptr;
}

// A path of orders from `from` to `to` (the edges' heads, in order), or
// empty. Depth-first over at most every order once.
std::vector<const Order*> PathBetween(Graph& g, LockEntry* from, LockEntry* to) {
  std::unordered_map<LockEntry*, std::pair<LockEntry*, const Order*>> parent;
  std::vector<LockEntry*> todo{from};
  parent[from] = {nullptr, nullptr};
  while (!todo.empty()) {
    LockEntry* at = todo.back();
    todo.pop_back();
    auto it = g.nodes.find(at);
    if (it == g.nodes.end()) continue;
    for (const Order& o : it->second.out) {
      if (parent.count(o.to)) continue;
      parent[o.to] = {at, &o};
      if (o.to == to) {
        std::vector<const Order*> path;
        for (LockEntry* n = to; n != from; n = parent[n].first) path.push_back(parent[n].second);
        return {path.rbegin(), path.rend()};
      }
      todo.push_back(o.to);
    }
  }
  return {};
}

std::string Describe(const LockEntry* e) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%#lx",
                static_cast<unsigned long>(e->addr.load(std::memory_order_relaxed)));
  return buf;
}

// The cycle report: the orders seen (each with its stack), then this one.
void ReportCycle(LockEntry* held, LockEntry* next, const std::vector<Order>& path,
                 uintptr_t ra) {
  const char* name = next->map.name ? next->map.name : "?";
  std::string detail = "two or more locks of one class, ";
  detail += name;
  detail += ", are taken in orders that close a cycle among its instances:\n";
  LockEntry* from = next;
  for (const Order& o : path) {
    detail += " lock " + Describe(o.to) + " was taken while holding lock " + Describe(from) +
              ", at:\n";
    AppendTrace(&detail, std::span<const uintptr_t>(o.pcs, size_t(o.frames)), 3);
    from = o.to;
  }
  detail += " and now lock " + Describe(next) + " is being taken while holding lock " +
            Describe(held) + ".\n";
  detail += " Locks of one class held together are judged per instance under the preload\n";
  detail += " library (LOCKDEP_OPTIONS same_class=class judges them by class instead).";
  lockdep_report_misuse(ReportKind::kCircularDependency,
                        "possible circular locking dependency detected", detail.c_str(),
                        &next->map, ra);
}

void ReportClassRule(LockEntry* next, uintptr_t ra) {
  std::string detail = "two locks of class ";
  detail += next->map.name ? next->map.name : "?";
  detail +=
      " are held together; the per-instance order graph is full (65536 orders),\n"
      " so the class rule applies: take them with one order the program defines.";
  lockdep_report_misuse(ReportKind::kRecursiveLocking, "possible recursive locking detected",
                        detail.c_str(), &next->map, ra);
}

// Learns held -> next; reports the cycle it closes.
void AddOrder(LockEntry* held, LockEntry* next, uintptr_t ra) {
  Busy busy;
  {
    InternalGuard g(g_lock);
    Graph& graph = TheGraph();
    auto it = graph.nodes.find(held);
    if (it != graph.nodes.end() && FindOrder(it->second, next)) return;  // seen before
  }
  Order order{next, 0, {}};
  order.frames = StackFrom(ra, order.pcs, kEdgeFrames);
  std::vector<Order> cycle;
  bool full = false;
  {
    InternalGuard g(g_lock);
    Graph& graph = TheGraph();
    Instance& from = graph.nodes[held];
    if (FindOrder(from, next)) return;
    if (graph.orders >= kMaxInstanceOrders) {
      full = true;
    } else {
      from.out.push_back(order);
      graph.nodes[next].in.push_back(held);
      held->in_order_graph.store(true, std::memory_order_relaxed);
      next->in_order_graph.store(true, std::memory_order_relaxed);
      ++graph.orders;
      std::vector<const Order*> back = PathBetween(graph, next, held);
      if (!back.empty() && graph.reported_keys.insert(next->map.key).second) {
        for (const Order* o : back) cycle.push_back(*o);
      }
    }
  }
  if (full) {
    ReportClassRule(next, ra);
  } else if (!cycle.empty()) {
    ReportCycle(held, next, cycle, ra);
  }
}

int SameClassFilter(const lockdep_map* held, const lockdep_map* next) {
  const auto* slots = reinterpret_cast<const char*>(LockSlots());
  if (slots == nullptr) return 0;
  const char* end = slots + LockSlotCount() * sizeof(LockEntry);
  auto inside = [&](const lockdep_map* m) {
    const auto* p = reinterpret_cast<const char*>(m);
    return p >= slots && p < end;
  };
  return inside(held) && inside(next);
}

}  // namespace

void InstallInstanceOrder() {
  g_per_instance = GetOptions().same_class_per_instance();
  if (g_per_instance) lockdep_set_same_class_filter(SameClassFilter);
}

void CheckInstanceOrder(LockEntry* e, int read, uintptr_t ra) {
  if (!g_per_instance) return;
  for (int i = 0; i < t_depth; ++i) {
    LockEntry* held = t_held[i].entry;
    if (held == e || held->map.key != e->map.key) continue;
    // Recursive readers of one another wait for no one.
    if (read == kLockdepReadRecursive && t_held[i].read != kLockdepWrite) continue;
    AddOrder(held, e, ra);
  }
}

void NoteAcquired(LockEntry* e, int read) {
  if (t_depth < kMaxHeld) t_held[t_depth++] = Held{e, read};
}

void NoteReleased(const LockEntry* e) {
  for (int i = t_depth; i-- > 0;) {
    if (t_held[i].entry == e) {
      for (int j = i; j + 1 < t_depth; ++j) t_held[j] = t_held[j + 1];
      --t_depth;
      return;
    }
  }
}

void ForgetInstance(LockEntry* e) {
  if (!e->in_order_graph.exchange(false, std::memory_order_relaxed)) return;
  InternalGuard g(g_lock);
  Graph& graph = TheGraph();
  auto it = graph.nodes.find(e);
  if (it == graph.nodes.end()) return;
  for (const Order& o : it->second.out) {
    auto& in = graph.nodes[o.to].in;
    std::erase(in, e);
    --graph.orders;
  }
  for (LockEntry* from : it->second.in) {
    auto& out = graph.nodes[from].out;
    graph.orders -= std::erase_if(out, [&](const Order& o) { return o.to == e; });
  }
  graph.nodes.erase(it);
}

void InstanceOrderForkPrepare() { g_lock.lock(); }
void InstanceOrderForkDone() { g_lock.unlock(); }

}  // namespace lockdep::preload
