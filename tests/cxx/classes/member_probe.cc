// Lock classes of lockdep::Mutex members, built at several optimisation
// levels by BUILD (member_classes_test runs each build): one scenario per
// argument. Line numbers of the members are checked by the test.
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "instrument/cxx.h"

struct P {
  lockdep::Mutex a;  // line 12
  lockdep::Mutex b;  // line 13
};

// Inlined and unrolled at -O2: one copy of P::P()'s code builds both.
P arr[2];

struct Cache {
  int entries = 0;
  lockdep::Mutex map_mu;  // line 21
  lockdep::SharedMutex lru_mu;
  lockdep::Mutex stats_mu;  // line 23
};

struct Account {
  lockdep::Mutex mu;
  long balance = 100;
};

Account alice, bob;

void Transfer(Account& from, Account& to, long amount) {
  std::lock_guard<lockdep::Mutex> a(from.mu);
  std::lock_guard<lockdep::Mutex> b(to.mu);
  from.balance -= amount;
  to.balance += amount;
}

int main(int argc, char** argv) {
  const char* what = argc > 1 ? argv[1] : "";
  if (std::strcmp(what, "abba") == 0) {
    // arr[1] and a heap P: a real ABBA between two P's, one class pair.
    auto heap = std::make_unique<P>();
    {
      std::lock_guard<lockdep::Mutex> x(arr[1].a);
      std::lock_guard<lockdep::Mutex> y(arr[1].b);
    }
    std::lock_guard<lockdep::Mutex> y(heap->b);
    std::lock_guard<lockdep::Mutex> x(heap->a);
  } else if (std::strcmp(what, "same_member") == 0) {
    // Two P's a's held together: one class, recursive.
    std::lock_guard<lockdep::Mutex> x(arr[0].a);
    std::lock_guard<lockdep::Mutex> y(arr[1].a);
  } else if (std::strcmp(what, "in_order") == 0) {
    auto heap = std::make_unique<P>();
    for (P* p : {&arr[0], &arr[1], heap.get()}) {
      std::lock_guard<lockdep::Mutex> x(p->a);
      std::lock_guard<lockdep::Mutex> y(p->b);
    }
  } else if (std::strcmp(what, "cache") == 0) {
    // Two members in both orders: the report names them.
    auto cache = std::make_unique<Cache>();
    {
      std::lock_guard<lockdep::Mutex> x(cache->map_mu);
      std::lock_guard<lockdep::Mutex> y(cache->stats_mu);
    }
    std::lock_guard<lockdep::Mutex> y(cache->stats_mu);
    std::lock_guard<lockdep::Mutex> x(cache->map_mu);
  } else if (std::strcmp(what, "transfer") == 0) {
    // Two Accounts are one class at every -O: the two-way transfer is two
    // locks of one class held together.
    Transfer(alice, bob, 10);
    Transfer(bob, alice, 5);
  } else {
    std::fprintf(stderr, "usage: member_probe abba|same_member|in_order|cache|transfer\n");
    return 2;
  }
  return 0;
}
