#include "runtime/graph/dependency_graph.h"

#include <algorithm>

#include "absl/strings/str_format.h"

#include "runtime/base/zeroed_pages.h"

namespace lockdep {

DependencyGraph::DependencyGraph(ClassRegistry* classes)
    : classes_(classes),
      edges_(ZeroedArray<Dependency>(kMaxDependencies)),
      free_list_(ZeroedArray<uint32_t>(kMaxDependencies)),
      visited_(ZeroedArray<uint32_t>(kMaxDependencies)),
      parent_(ZeroedArray<uint32_t>(kMaxDependencies)),
      only_xr_(ZeroedArray<bool>(kMaxDependencies)),
      filtered_(ZeroedArray<uint8_t>(kMaxDependencies)),
      queue_(ZeroedArray<uint32_t>(kMaxDependencies)) {}

Dependency* DependencyGraph::Find(ClassId from, ClassId to) {
  for (uint32_t e = classes_->at(from).first_after; e; e = edges_[e - 1].next_after) {
    if (edges_[e - 1].to == to) return &edges_[e - 1];
  }
  return nullptr;
}

Dependency* DependencyGraph::Add(ClassId from, ClassId to, uint8_t types,
                                 uint32_t trace, unsigned long ip) {
  uint32_t index;
  if (free_count_ > 0) {
    index = free_list_[--free_count_];
  } else if (high_water_ < kMaxDependencies) {
    index = high_water_++;
  } else {
    return nullptr;
  }
  Dependency& d = edges_[index];
  LockClass& f = classes_->at(from);
  LockClass& t = classes_->at(to);
  d = Dependency{from, to, types, trace, ip, f.first_after, t.first_before};
  f.first_after = index + 1;
  t.first_before = index + 1;
  ++size_;
  SpreadAncestorUsage(to, uint16_t(f.usage.load(std::memory_order_relaxed) | f.ancestor_usage));
  return &d;
}

void DependencyGraph::SpreadAncestorUsage(ClassId id, uint16_t bits) {
  if (!bits || (classes_->at(id).ancestor_usage & bits) == bits) return;
  std::vector<ClassId> todo{id};
  while (!todo.empty()) {
    const ClassId c = todo.back();
    todo.pop_back();
    LockClass& lc = classes_->at(c);
    if ((lc.ancestor_usage & bits) == bits) continue;
    lc.ancestor_usage |= bits;
    for (uint32_t e = lc.first_after; e; e = edges_[e - 1].next_after) {
      if ((classes_->at(edges_[e - 1].to).ancestor_usage & bits) != bits) {
        todo.push_back(edges_[e - 1].to);
      }
    }
  }
}

// The classes after it keep the ancestor usage it gave them: the summary
// may claim too much, never too little.
void DependencyGraph::Remove(uint32_t index) {
  const Dependency d = edges_[index];
  for (uint32_t* link = &classes_->at(d.from).first_after; *link;
       link = &edges_[*link - 1].next_after) {
    if (*link == index + 1) {
      *link = d.next_after;
      break;
    }
  }
  for (uint32_t* link = &classes_->at(d.to).first_before; *link;
       link = &edges_[*link - 1].next_before) {
    if (*link == index + 1) {
      *link = d.next_before;
      break;
    }
  }
  edges_[index] = Dependency{};
  free_list_[free_count_++] = index;
  --size_;
}

void DependencyGraph::RemoveClass(ClassId id) {
  // Unlink every edge touching `id` from both endpoint lists.
  auto unlink = [&](uint32_t* head, bool after, auto pred) {
    for (uint32_t* link = head; *link;) {
      Dependency& d = edges_[*link - 1];
      uint32_t* next = after ? &d.next_after : &d.next_before;
      if (pred(d)) {
        *link = *next;
      } else {
        link = next;
      }
    }
  };
  auto touches = [id](const Dependency& d) { return d.from == id || d.to == id; };
  // Collect the neighbours first: their lists hold the edges too.
  std::vector<uint32_t> doomed;
  for (uint32_t e = classes_->at(id).first_after; e; e = edges_[e - 1].next_after)
    doomed.push_back(e - 1);
  for (uint32_t e = classes_->at(id).first_before; e; e = edges_[e - 1].next_before)
    doomed.push_back(e - 1);
  for (uint32_t index : doomed) {
    const Dependency& d = edges_[index];
    unlink(&classes_->at(d.from).first_after, true, touches);
    unlink(&classes_->at(d.to).first_before, false, touches);
  }
  std::sort(doomed.begin(), doomed.end());
  doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
  for (uint32_t index : doomed) {
    edges_[index] = Dependency{};
    free_list_[free_count_++] = index;
    --size_;
  }
}

void DependencyGraph::Clear() {
  free_count_ = 0;
  high_water_ = 0;
  size_ = 0;
}

void DependencyGraph::BeginSearch() {
  if (++visit_gen_ == 0) {
    std::fill(visited_, visited_ + kMaxDependencies, 0);
    visit_gen_ = 1;
  }
}

std::vector<uint32_t> DependencyGraph::PathTo(uint32_t index) const {
  std::vector<uint32_t> path;
  for (uint32_t i = index + 1; i; i = parent_[i - 1]) path.push_back(i - 1);
  std::reverse(path.begin(), path.end());
  return path;
}

std::vector<uint32_t> DependencyGraph::FindDeadlockPath(ClassId start,
                                                        bool start_recursive_read,
                                                        ClassId target,
                                                        int target_read) {
  // The closing edge target -> start is strong if target is held exclusively
  // or the path did not end in a recursive read.
  return SearchForward(start, start_recursive_read, [&](ClassId c, bool only_xr) {
    return c == target && (target_read == 0 || !only_xr);
  });
}

std::string DependencyGraph::CheckInvariants() const {
  if (free_count_ > high_water_) return "more free edges than edges handed out";
  std::vector<bool> is_free(high_water_, false);
  for (size_t i = 0; i < free_count_; ++i) {
    const uint32_t index = free_list_[i];
    if (index >= high_water_) return absl::StrFormat("free edge %d out of range", index);
    if (is_free[index]) return absl::StrFormat("edge %d free twice", index);
    is_free[index] = true;
    if (edges_[index].from != kNoClass) return absl::StrFormat("free edge %d in use", index);
  }
  // Walk every class's two lists; each live edge must be met once in each.
  std::vector<int> seen_after(high_water_, 0), seen_before(high_water_, 0);
  for (ClassId id = 1; id <= classes_->high_water(); ++id) {
    for (uint32_t e = classes_->at(id).first_after; e; e = edges_[e - 1].next_after) {
      if (e > high_water_) return absl::StrFormat("class %d's list leaves the table", id);
      if (edges_[e - 1].from != id) return absl::StrFormat("edge %d in the wrong list", e - 1);
      if (++seen_after[e - 1] > 1) return absl::StrFormat("edge %d listed twice", e - 1);
    }
    for (uint32_t e = classes_->at(id).first_before; e; e = edges_[e - 1].next_before) {
      if (e > high_water_) return absl::StrFormat("class %d's list leaves the table", id);
      if (edges_[e - 1].to != id) return absl::StrFormat("edge %d in the wrong list", e - 1);
      if (++seen_before[e - 1] > 1) return absl::StrFormat("edge %d listed twice", e - 1);
    }
  }
  size_t live = 0;
  for (uint32_t index = 0; index < high_water_; ++index) {
    const Dependency& d = edges_[index];
    if (is_free[index]) continue;
    ++live;
    if (d.types == 0) return absl::StrFormat("edge %d has no dependency type", index);
    for (ClassId end : {d.from, d.to}) {
      if (end == kNoClass || end > classes_->high_water() ||
          classes_->at(end).key.load(std::memory_order_relaxed) == 0) {
        return absl::StrFormat("edge %d ends at a class that is not live", index);
      }
    }
    if (seen_after[index] != 1 || seen_before[index] != 1) {
      return absl::StrFormat("edge %d is not in both of its endpoints' lists", index);
    }
    const LockClass& from = classes_->at(d.from);
    const uint16_t reaching = from.usage.load(std::memory_order_relaxed) | from.ancestor_usage;
    if ((classes_->at(d.to).ancestor_usage & reaching) != reaching) {
      return absl::StrFormat("edge %d: class %d lacks usage bits of its ancestors", index, d.to);
    }
  }
  if (live != size_) return absl::StrFormat("%d live edges, size() says %d", live, size_);
  return "";
}

}  // namespace lockdep
