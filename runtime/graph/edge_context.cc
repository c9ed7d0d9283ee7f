#include "runtime/graph/edge_context.h"

#include <algorithm>

#include "runtime/graph/finding_records.h"

namespace lockdep {
namespace {

// The classes held now besides `prev`, outermost first, each once.
std::vector<ClassId> HeldBesides(const ThreadState& ts, const HeldLock& prev) {
  std::vector<ClassId> out;
  for (uint32_t i = 0; i < ts.depth && i < kMaxLockDepth; ++i) {
    const ClassId c = ts.held[i].class_id;
    if (c == prev.class_id || c == kNoClass) continue;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

bool Holds(const std::vector<ClassId>& held, ClassId c) {
  return std::find(held.begin(), held.end(), c) != held.end();
}

int32_t ThisThread() { return int32_t(CurrentTid()); }

}  // namespace

void NoteFirstContext(Dependency& d, const ThreadState& ts, const HeldLock& prev) {
  const std::vector<ClassId> held = HeldBesides(ts, prev);
  for (int i = 0; i < kMaxGates; ++i) {
    d.gates[i] = size_t(i) < held.size() ? held[size_t(i)] : kNoClass;
  }
  d.thread = ThisThread();
}

void NoteContextAgain(Dependency& d, const ThreadState& ts, const HeldLock& prev) {
  const std::vector<ClassId> held = HeldBesides(ts, prev);
  for (ClassId& g : d.gates) {
    if (g != kNoClass && !Holds(held, g)) g = kNoClass;
  }
  if (d.thread > 0 && d.thread != ThisThread()) d.thread = -1;
}

void CycleContext(const DependencyGraph& graph, const std::vector<uint32_t>& path,
                  const ThreadState& ts, const HeldLock& prev, std::vector<std::string>* gates,
                  bool* one_thread) {
  std::vector<ClassId> common = HeldBesides(ts, prev);
  const int32_t me = ThisThread();
  *one_thread = true;
  for (uint32_t e : path) {
    const Dependency& d = graph.at(e);
    std::erase_if(common, [&](ClassId c) {
      return std::find(std::begin(d.gates), std::end(d.gates), c) == std::end(d.gates);
    });
    *one_thread = *one_thread && d.thread == me;
  }
  gates->clear();
  for (ClassId c : common) gates->push_back(ClassName(c));
}

}  // namespace lockdep
