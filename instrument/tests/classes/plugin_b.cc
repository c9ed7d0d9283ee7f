// A plugin that plugin_probe loads and unloads; plugin_a.cc and plugin_b.cc
// differ only in names, so the loader tends to map each at the same address.
#include "instrument/cxx.h"

namespace {
struct PairB {
  lockdep::Mutex first;
  lockdep::Mutex second;
};
}  // namespace

// Takes a new Pair's two locks, first then second (or the reverse).
extern "C" void plugin_work(int reverse) {
  PairB* p = new PairB;
  lockdep::Mutex& outer = reverse ? p->second : p->first;
  lockdep::Mutex& inner = reverse ? p->first : p->second;
  outer.lock();
  inner.lock();
  inner.unlock();
  outer.unlock();
  delete p;
}

// Holds one member of two Pairs at once: a recursive-locking report.
extern "C" void plugin_same_member_twice() {
  PairB* p = new PairB;
  PairB* q = new PairB;
  p->first.lock();
  q->first.lock();
  q->first.unlock();
  p->first.unlock();
  delete q;
  delete p;
}
