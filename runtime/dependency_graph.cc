#include "runtime/dependency_graph.h"

#include <algorithm>

#include "runtime/zeroed_pages.h"

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
  return &d;
}

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

}  // namespace lockdep
