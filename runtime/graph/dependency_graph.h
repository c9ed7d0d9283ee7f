// The lock-dependency graph over classes: an edge A -> B means "B was taken
// while A was held". Each edge carries the read/write kinds seen on both ends
// (Linux's four dependency types) and the stack trace that created it.
//
// Everything here runs under the graph lock, on the slow path only.
// Limits: kMaxDependencies edges. Searches are breadth-first and visit each
// edge at most once, so their cost is bounded by the number of edges.
#ifndef LOCKDEP_RUNTIME_DEPENDENCY_GRAPH_H_
#define LOCKDEP_RUNTIME_DEPENDENCY_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/graph/class_registry.h"
#include "runtime/base/limits.h"

namespace lockdep {

// Dependency type bits, as Linux: the holder side is Exclusive (writer) or
// Shared (any reader); the acquired side is Recursive-read or Non-recursive
// (writer or non-recursive reader).
enum : uint8_t {
  kDepSR = 1 << 0,
  kDepER = 1 << 1,
  kDepSN = 1 << 2,
  kDepEN = 1 << 3,
};

// The dependency bit for holding a lock with read kind `prev_read` while
// taking one with read kind `next_read` (0 write, 1 read, 2 recursive read).
inline uint8_t DependencyBit(int prev_read, int next_read) {
  return uint8_t(1u << ((prev_read == 0) + ((next_read != 2) << 1)));
}

// Classes kept per edge as its gate locks (edge_context.h).
inline constexpr int kMaxGates = 3;

struct Dependency {
  ClassId from = kNoClass;
  ClassId to = kNoClass;
  uint8_t types = 0;        // kDep* bits seen
  uint32_t trace = 0;       // TraceStore id of the acquisition that made it
  unsigned long ip = 0;     // where `to` was taken
  uint32_t next_after = 0;  // next edge in from's list (index + 1)
  uint32_t next_before = 0; // next edge in to's list (index + 1)
  // What else was true every time it was made (edge_context.h): the classes
  // held besides `from` (kNoClass fills the rest), and the thread (tid; -1
  // once another thread made it too).
  ClassId gates[kMaxGates] = {};
  int32_t thread = 0;
};

class DependencyGraph {
 public:
  // Maps the tables (zeroed_pages.h): no page is touched until used.
  explicit DependencyGraph(ClassRegistry* classes);
  DependencyGraph(const DependencyGraph&) = delete;
  DependencyGraph& operator=(const DependencyGraph&) = delete;

  // The edge from -> to, or nullptr.
  Dependency* Find(ClassId from, ClassId to);
  // Adds from -> to (caller checked Find). nullptr when kMaxDependencies
  // edges exist.
  Dependency* Add(ClassId from, ClassId to, uint8_t types, uint32_t trace,
                  unsigned long ip);
  // Adds `bits` to the ancestor usage (class_registry.h) of `id` and of
  // every class after it. Stops where a class has them already, so each
  // class takes each bit once: over a program's life the cost is bounded by
  // edges x usage bits, however many dependencies are added. Add() calls it;
  // the validator calls it when a class gains usage bits.
  void SpreadAncestorUsage(ClassId id, uint16_t bits);
  // Removes the edge at `index` (a signal found an event does not need it).
  void Remove(uint32_t index);
  // Removes every edge into or out of `id`.
  void RemoveClass(ClassId id);
  void Clear();
  size_t size() const { return size_; }
  const Dependency& at(uint32_t index) const { return edges_[index]; }

  // Searches for a path start -> ... -> target that, closed by the new edge
  // target -> start, forms a deadlock: Linux's "strong" path rule, where a
  // step that ends in a recursive read (*R) must be followed by one that
  // starts from an exclusive hold (E*). `start_recursive_read`: the new lock
  // is a recursive reader; `target_read`: read kind the target is held with.
  // Returns the edges of the path in order (empty when none).
  std::vector<uint32_t> FindDeadlockPath(ClassId start, bool start_recursive_read,
                                         ClassId target, int target_read);

  // Breadth-first search along strong paths out of `start` (not matching
  // `start` itself). match(ClassId reached, bool only_xr) is asked of each
  // class reached; only_xr: the step into it ended only in recursive reads.
  // start_only_xr: the first step must start from an exclusive hold.
  // Returns the path's edges, start first (empty when nothing matched).
  template <typename Match>
  std::vector<uint32_t> SearchForward(ClassId start, bool start_only_xr, Match match);

  // The same along edges into `start`, backwards. match(ClassId reached,
  // uint8_t types) gets the (filtered) types of the edge out of the class
  // reached. start_only_n: the first edge must end in a non-recursive take.
  // Returns the path's edges, the one into `start` first.
  template <typename Match>
  std::vector<uint32_t> SearchBackward(ClassId start, bool start_only_n, Match match);

  // For tests: checks every structural invariant (each live edge in exactly
  // its two endpoints' lists and in no other, endpoints live classes, free
  // slots empty and distinct, counts agreeing) and returns "" or the first
  // one broken. Expensive: visits every edge slot and class. Caller holds
  // the graph lock.
  std::string CheckInvariants() const;

  // Edge indices out of / into `id`.
  template <typename F>
  void ForEachAfter(ClassId id, F f) const {
    for (uint32_t e = classes_->at(id).first_after; e; e = edges_[e - 1].next_after)
      f(e - 1, edges_[e - 1]);
  }

 private:
  // Starts a search: a fresh visit generation and an empty queue.
  void BeginSearch();
  std::vector<uint32_t> PathTo(uint32_t index) const;

  ClassRegistry* classes_;
  // Per edge index, kMaxDependencies each; all-zero is the empty state.
  Dependency* const edges_;
  uint32_t* const free_list_;
  size_t free_count_ = 0;
  uint32_t high_water_ = 0;
  size_t size_ = 0;

  // Breadth-first search state, per edge. An edge is visited in the current
  // search when visited_ holds visit_gen_, so a search starts without
  // clearing anything (a search costs what it visits, not the table size).
  uint32_t visit_gen_ = 0;
  uint32_t* const visited_;
  uint32_t* const parent_;   // index + 1 of the edge before
  bool* const only_xr_;      // reached through a *R step
  uint8_t* const filtered_;  // types left after filtering
  uint32_t* const queue_;
};

template <typename Match>
std::vector<uint32_t> DependencyGraph::SearchForward(ClassId start,
                                                     bool start_only_xr,
                                                     Match match) {
  BeginSearch();
  size_t head = 0, tail = 0;
  auto expand = [&](ClassId from, uint32_t parent, bool only_xr) {
    for (uint32_t e = classes_->at(from).first_after; e; e = edges_[e - 1].next_after) {
      uint32_t index = e - 1;
      if (visited_[index] == visit_gen_) continue;
      uint8_t types = edges_[index].types;
      // -(*R)-> followed by -(S*)-> is not a strong path: only E* may follow.
      if (only_xr) types &= uint8_t(kDepER | kDepEN);
      if (!types) continue;
      visited_[index] = visit_gen_;
      parent_[index] = parent;
      only_xr_[index] = !(types & (kDepSN | kDepEN));
      queue_[tail++] = index;
    }
  };
  expand(start, 0, start_only_xr);
  while (head < tail) {
    uint32_t index = queue_[head++];
    ClassId to = edges_[index].to;
    if (match(to, only_xr_[index])) return PathTo(index);
    expand(to, index + 1, only_xr_[index]);
  }
  return {};
}

template <typename Match>
std::vector<uint32_t> DependencyGraph::SearchBackward(ClassId start,
                                                      bool start_only_n,
                                                      Match match) {
  BeginSearch();
  size_t head = 0, tail = 0;
  // Going backwards, the step just taken (closer to start) starting only from
  // shared holds (S*) forbids an earlier step ending in a recursive read.
  auto expand = [&](ClassId to, uint32_t parent, bool only_n) {
    for (uint32_t e = classes_->at(to).first_before; e; e = edges_[e - 1].next_before) {
      uint32_t index = e - 1;
      if (visited_[index] == visit_gen_) continue;
      uint8_t types = edges_[index].types;
      if (only_n) types &= uint8_t(kDepSN | kDepEN);
      if (!types) continue;
      visited_[index] = visit_gen_;
      parent_[index] = parent;
      only_xr_[index] = !(types & (kDepER | kDepEN));  // here: "only S*"
      filtered_[index] = types;
      queue_[tail++] = index;
    }
  };
  expand(start, 0, start_only_n);
  while (head < tail) {
    uint32_t index = queue_[head++];
    ClassId from = edges_[index].from;
    if (match(from, filtered_[index])) return PathTo(index);
    expand(from, index + 1, only_xr_[index]);
  }
  return {};
}

}  // namespace lockdep

#endif  // LOCKDEP_RUNTIME_DEPENDENCY_GRAPH_H_
