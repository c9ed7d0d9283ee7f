#include "runtime/graph/class_registry.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_format.h"

#include "runtime/base/zeroed_pages.h"

namespace lockdep {

// LockClass is 64-byte aligned and mmap returns pages: every entry starts a
// cache line, as the fast path wants.
ClassRegistry::ClassRegistry()
    : classes_(ZeroedArray<LockClass>(kMaxClasses + 1)),
      slot_key_(ZeroedArray<std::atomic<ClassKey>>(kSlots)),
      slot_class_(ZeroedArray<std::atomic<ClassId>>(kSlots)),
      free_list_(ZeroedArray<ClassId>(kMaxClasses)) {}

ClassId ClassRegistry::Find(ClassKey key) const {
  for (size_t i = Hash(key), n = 0; n < kSlots; i = (i + 1) & kMask, ++n) {
    ClassKey k = slot_key_[i].load(std::memory_order_acquire);
    if (k == key) {
      // A concurrent Rehash() may have moved another key here between the
      // two loads: trust the id only when it names `key`.
      ClassId id = slot_class_[i].load(std::memory_order_acquire);
      return Matches(id, key) ? id : kNoClass;
    }
    if (k == 0) return kNoClass;
  }
  return kNoClass;
}

ClassId ClassRegistry::Add(ClassKey key, uint8_t subclass, const char* name) {
  ClassId id;
  if (free_count_ > 0) {
    id = free_list_[--free_count_];
  } else if (high_water_ < kMaxClasses) {
    id = ++high_water_;
  } else {
    return kNoClass;
  }
  LockClass& c = classes_[id];
  c.subclass = subclass;
  std::strncpy(c.name, name ? name : "<unnamed>", sizeof(c.name) - 1);
  c.name[sizeof(c.name) - 1] = '\0';
  c.first_after = c.first_before = 0;
  c.ancestor_usage = 0;
  c.usage.store(0, std::memory_order_relaxed);
  for (uint32_t& t : c.usage_trace) t = 0;
  c.key.store(key, std::memory_order_release);

  for (size_t i = Hash(key);; i = (i + 1) & kMask) {
    ClassKey k = slot_key_[i].load(std::memory_order_relaxed);
    if (k == 0 || k == kTombstone) {
      if (k == kTombstone) --tombstones_;
      slot_class_[i].store(id, std::memory_order_release);
      slot_key_[i].store(key, std::memory_order_release);
      break;
    }
  }
  ++size_;
  return id;
}

void ClassRegistry::Remove(ClassId id) {
  LockClass& c = classes_[id];
  ClassKey key = c.key.load(std::memory_order_relaxed);
  for (size_t i = Hash(key), n = 0; n < kSlots; i = (i + 1) & kMask, ++n) {
    ClassKey k = slot_key_[i].load(std::memory_order_relaxed);
    if (k == 0) break;
    if (k == key) {
      slot_key_[i].store(kTombstone, std::memory_order_release);
      ++tombstones_;
      break;
    }
  }
  c.key.store(0, std::memory_order_release);
  c.generation.fetch_add(1, std::memory_order_release);
  free_list_[free_count_++] = id;
  --size_;
  ++removed_count_;
  if (tombstones_ > kSlots / 4) Rehash();
}

void ClassRegistry::Rehash() {
  for (size_t i = 0; i < kSlots; ++i) slot_key_[i].store(0, std::memory_order_release);
  tombstones_ = 0;
  for (ClassId id = 1; id <= high_water_; ++id) {
    ClassKey key = classes_[id].key.load(std::memory_order_relaxed);
    if (key == 0) continue;
    for (size_t i = Hash(key);; i = (i + 1) & kMask) {
      if (slot_key_[i].load(std::memory_order_relaxed) == 0) {
        slot_class_[i].store(id, std::memory_order_release);
        slot_key_[i].store(key, std::memory_order_release);
        break;
      }
    }
  }
}

void ClassRegistry::Clear() {
  for (size_t i = 0; i < kSlots; ++i) slot_key_[i].store(0, std::memory_order_relaxed);
  for (ClassId id = 1; id <= high_water_; ++id) {
    classes_[id].key.store(0, std::memory_order_release);
    classes_[id].generation.fetch_add(1, std::memory_order_release);
  }
  tombstones_ = 0;
  free_count_ = 0;
  high_water_ = 0;
  size_ = 0;
}

std::string ClassRegistry::CheckInvariants() const {
  if (high_water_ > kMaxClasses) return "high water beyond kMaxClasses";
  if (free_count_ > high_water_) return "more free ids than ids handed out";
  std::vector<bool> is_free(high_water_ + 1, false);
  for (size_t i = 0; i < free_count_; ++i) {
    const ClassId id = free_list_[i];
    if (id == kNoClass || id > high_water_) return absl::StrFormat("free id %d out of range", id);
    if (is_free[id]) return absl::StrFormat("id %d free twice", id);
    is_free[id] = true;
    if (classes_[id].key.load(std::memory_order_relaxed) != 0) {
      return absl::StrFormat("free id %d still has a key", id);
    }
  }
  size_t live = 0;
  std::vector<int> slots_of(high_water_ + 1, 0);
  for (size_t i = 0; i < kSlots; ++i) {
    const ClassKey k = slot_key_[i].load(std::memory_order_relaxed);
    if (k == 0 || k == kTombstone) continue;
    const ClassId id = slot_class_[i].load(std::memory_order_relaxed);
    if (id == kNoClass || id > high_water_) return absl::StrFormat("slot %d names id %d", i, id);
    if (classes_[id].key.load(std::memory_order_relaxed) != k) {
      return absl::StrFormat("slot %d's key is not class %d's", i, id);
    }
    ++slots_of[id];
  }
  for (ClassId id = 1; id <= high_water_; ++id) {
    const ClassKey key = classes_[id].key.load(std::memory_order_relaxed);
    if (key == 0) {
      if (!is_free[id]) return absl::StrFormat("id %d has no key and is not free", id);
      continue;
    }
    ++live;
    if (slots_of[id] != 1) return absl::StrFormat("class %d is in %d slots", id, slots_of[id]);
    if (Find(key) != id) return absl::StrFormat("class %d is not found by its key", id);
  }
  if (live != size_) return absl::StrFormat("%d live classes, size() says %d", live, size_);
  if (live + free_count_ != high_water_) return "live and free ids do not add up";
  return "";
}

}  // namespace lockdep
