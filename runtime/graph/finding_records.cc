#include "runtime/graph/finding_records.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "runtime/base/options.h"
#include "runtime/graph/usage.h"

namespace lockdep {

std::string ClassName(ClassId id) {
  const LockClass& c = Graph().classes.at(id);
  if (c.subclass == 0) return c.name;
  return absl::StrFormat("%s/%d", c.name, c.subclass);
}

std::string MapName(const lockdep_map* map) {
  return map != nullptr && map->name != nullptr ? map->name : "?";
}

LockRecord LockRecordOf(const HeldLock& held) {
  LockRecord r;
  r.address = held.map;
  r.class_name = ClassName(held.class_id);
  r.usage = UsageString(Graph().classes.at(held.class_id).usage.load(std::memory_order_relaxed));
  r.read = held.read;
  r.ip = held.ip;
  return r;
}

int CaptureFromHook(uintptr_t hook_return, uintptr_t* pcs, int max) {
  int depth = GetOptions().stack_depth;
  if (depth <= 0) return 0;
  uintptr_t raw[kMaxStackDepth + 32];
  int n = CaptureStack(raw, depth + 32, 0);
  // Start at the user's frame (the hook's ip argument is the return address
  // into it) when it is on the stack, else at the hook's caller.
  int start = 0;
  const uintptr_t user_ip = CurrentThread().hook_ip;
  for (int i = 0; i < n; ++i) {
    if (raw[i] == hook_return && start == 0) start = i;
    if (user_ip && raw[i] == user_ip) {
      start = i;
      break;
    }
  }
  int count = std::min({n - start, depth, max});
  for (int i = 0; i < count; ++i) pcs[i] = raw[start + i];
  return count;
}

namespace {

std::vector<uintptr_t> StackFromHook(uintptr_t hook_return) {
  uintptr_t pcs[kMaxStackDepth];
  int n = CaptureFromHook(hook_return, pcs, kMaxStackDepth);
  return std::vector<uintptr_t>(pcs, pcs + std::max(n, 0));
}

}  // namespace

std::vector<uintptr_t> StoredStack(uint32_t trace_id) {
  std::span<const uintptr_t> pcs = Graph().traces.Get(trace_id);
  return std::vector<uintptr_t>(pcs.begin(), pcs.end());
}

std::string TaskName() {
  char name[64];
  CurrentTaskName(name, sizeof(name));
  return name;
}

TaskRecord TaskRecordOf(const ThreadState& ts, uintptr_t hook_return) {
  TaskRecord t;
  t.name = TaskName();
  t.held.reserve(ts.depth);
  for (uint32_t i = 0; i < ts.depth; ++i) t.held.push_back(LockRecordOf(ts.held[i]));
  // No caller to show (e.g. thread exit) without a return address.
  if (hook_return != 0) t.stack = StackFromHook(hook_return);
  return t;
}

}  // namespace lockdep
