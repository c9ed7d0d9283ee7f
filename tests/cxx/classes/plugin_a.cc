// A plugin that plugin_probe loads and unloads. BUILD makes plugin B from
// this source with the names changed (same length, same code), so the
// loader tends to map B at A's address.
#include "instrument/cxx.h"

namespace {
struct PairA {
  lockdep::Mutex first;
  lockdep::Mutex second;
};
}  // namespace

// Takes a new Pair's two locks, first then second (or the reverse).
extern "C" void plugin_work(int reverse) {
  PairA* p = new PairA;
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
  PairA* p = new PairA;
  PairA* q = new PairA;
  p->first.lock();
  q->first.lock();
  q->first.unlock();
  p->first.unlock();
  delete q;
  delete p;
}
