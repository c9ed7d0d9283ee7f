// A program for lockgraph_test: pairs of locks that are two classes in the
// runtime yet look alike in a graph file (same name, same line, same
// symbol), taken as first -> x -> second. One run has no cycle, and neither
// may the run's graph merged with itself. Modes (argv[1]):
//   array     lockdep_set_class(&m[i], &keys[i]) over a static key array
//   heap      two registered heap keys with one name
//   named     lockdep::Mutex{"mu"} constructed at two places
//   basename  unnamed lockdep::Mutex at line 4 of p1/lk.cc and of p2/lk.cc
//   inline    a static inline init helper of a header, in two units
//   order ab|ba  two unnamed locks made at one line, made in either order
//                (first the one taken first, or the other), taken alike
//   badname   a lock whose name is not UTF-8
//   thread    lock_a -> lock_b on a std::thread
#include <cstring>
#include <string>
#include <thread>

#include "instrument/cxx.h"
#include "instrument/kernel.h"
#include "tools/identity_probe_helper.h"

lockdep::Mutex* Make_p1();
lockdep::Mutex* Make_p2();

namespace {

DEFINE_MUTEX(x_lock);
DEFINE_MUTEX(lock_a);
DEFINE_MUTEX(lock_b);
lock_class_key keys[2];
struct mutex m[2];

void FirstXSecond(struct mutex* first, struct mutex* second) {
  mutex_lock(first);
  mutex_lock(&x_lock);
  mutex_unlock(&x_lock);
  mutex_unlock(first);
  mutex_lock(&x_lock);
  mutex_lock(second);
  mutex_unlock(second);
  mutex_unlock(&x_lock);
}

void FirstXSecond(lockdep::Mutex& first, lockdep::Mutex& second) {
  first.lock();
  mutex_lock(&x_lock);
  mutex_unlock(&x_lock);
  first.unlock();
  mutex_lock(&x_lock);
  second.lock();
  second.unlock();
  mutex_unlock(&x_lock);
}

// Both constructions on one line: one context, two call instructions.
__attribute__((noinline)) lockdep::Mutex* Make(bool left) {
  return left ? new lockdep::Mutex() : new lockdep::Mutex();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "array") {
    for (int i = 0; i < 2; ++i) {
      mutex_init(&m[i]);
      lockdep_set_class(&m[i], &keys[i]);
    }
    FirstXSecond(&m[0], &m[1]);
  } else if (mode == "heap") {
    auto* k1 = new lock_class_key;
    auto* k2 = new lock_class_key;
    lockdep_register_key(k1);
    lockdep_register_key(k2);
    static struct mutex h1, h2;
    mutex_init(&h1);
    mutex_init(&h2);
    lockdep_set_class_and_name(&h1, k1, "heap_lock");
    lockdep_set_class_and_name(&h2, k2, "heap_lock");
    FirstXSecond(&h1, &h2);
  } else if (mode == "named") {
    lockdep::Mutex first("mu");
    lockdep::Mutex second("mu");
    FirstXSecond(first, second);
  } else if (mode == "basename") {
    lockdep::Mutex* first = Make_p1();
    lockdep::Mutex* second = Make_p2();
    FirstXSecond(*first, *second);
    delete first;
    delete second;
  } else if (mode == "inline") {
    static struct mutex mine;
    probe_init_lock(&mine);
    FirstXSecond(&mine, OtherUnitLock());
  } else if (mode == "order" && argc > 2) {
    lockdep::Mutex *left, *right;
    if (std::strcmp(argv[2], "ab") == 0) {
      left = Make(true);
      right = Make(false);
    } else {
      right = Make(false);
      left = Make(true);
    }
    FirstXSecond(*left, *right);
    delete left;
    delete right;
  } else if (mode == "badname") {
    lockdep::Mutex bad("bad\xff\xfe name");
    bad.lock();
    mutex_lock(&x_lock);
    mutex_unlock(&x_lock);
    bad.unlock();
  } else if (mode == "thread") {
    std::thread([] {
      mutex_lock(&lock_a);
      mutex_lock(&lock_b);
      mutex_unlock(&lock_b);
      mutex_unlock(&lock_a);
    }).join();
  } else {
    return 2;
  }
  return 0;
}
