#include "runtime/class_registry.h"

#include <cstring>

namespace lockdep {

ClassId ClassRegistry::Find(ClassKey key) const {
  for (size_t i = Hash(key), n = 0; n < kSlots; i = (i + 1) & kMask, ++n) {
    ClassKey k = slot_key_[i].load(std::memory_order_acquire);
    if (k == key) return slot_class_[i].load(std::memory_order_relaxed);
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
  c.dependency_count = 0;
  c.usage.store(0, std::memory_order_relaxed);
  for (uint32_t& t : c.usage_trace) t = 0;
  c.key.store(key, std::memory_order_release);

  for (size_t i = Hash(key);; i = (i + 1) & kMask) {
    ClassKey k = slot_key_[i].load(std::memory_order_relaxed);
    if (k == 0 || k == kTombstone) {
      slot_class_[i].store(id, std::memory_order_relaxed);
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
      break;
    }
  }
  c.key.store(0, std::memory_order_release);
  free_list_[free_count_++] = id;
  --size_;
}

void ClassRegistry::Clear() {
  for (auto& s : slot_key_) s.store(0, std::memory_order_relaxed);
  for (ClassId id = 1; id <= high_water_; ++id) {
    classes_[id].key.store(0, std::memory_order_release);
  }
  free_count_ = 0;
  high_water_ = 0;
  size_ = 0;
}

}  // namespace lockdep
