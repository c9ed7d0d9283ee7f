// One plain program (std::mutex, new/delete, pthreads; no lockdep header)
// with a scenario per argument, for the preload library's classing and
// life-cycle rules. Each scenario is a near miss of a report or a report;
// preload_test.cc says which.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

namespace {

pthread_mutex_t g_outer = PTHREAD_MUTEX_INITIALIZER;

struct Account {
  long balance = 0;
  std::mutex mu;  // no init call: classed by allocation site + offset
};

// One allocation site for every Account, as a program's factory is.
__attribute__((noinline)) Account* OpenAccount() { return new Account; }

// Every Account's mu is one class: locking two at once, unannotated, is
// what lockdep calls recursive locking, whichever two instances.
int HeapClass() {
  Account* from = OpenAccount();
  Account* to = OpenAccount();
  std::lock_guard<std::mutex> a(from->mu);
  std::lock_guard<std::mutex> b(to->mu);
  from->balance -= 1;
  to->balance += 1;
  return 0;
}

// Two transfers in opposite directions between the same two accounts: the
// real ABBA between two instances of one class.
int HeapTransfer() {
  Account* a = OpenAccount();
  Account* b = OpenAccount();
  auto transfer = [](Account* from, Account* to) {
    std::lock_guard<std::mutex> x(from->mu);
    std::lock_guard<std::mutex> y(to->mu);
    from->balance -= 1;
    to->balance += 1;
  };
  std::thread([&] { transfer(a, b); }).join();
  std::thread([&] { transfer(b, a); }).join();
  return 0;
}

struct Cache {
  std::mutex mu;
};
struct Index {
  char pad[24];
  std::mutex mu;
};

__attribute__((noinline)) Cache* NewCache() { return new Cache; }
__attribute__((noinline)) Index* NewIndex() { return new Index; }

// Different instances, same classes: one thread takes cache then index,
// another index then cache, each on objects of its own. Only classes show
// the inversion.
int HeapAbba() {
  Cache* c1 = NewCache();
  Cache* c2 = NewCache();
  Index* i1 = NewIndex();
  Index* i2 = NewIndex();
  std::thread([&] {
    std::lock_guard<std::mutex> a(c1->mu);
    std::lock_guard<std::mutex> b(i1->mu);
  }).join();
  std::thread([&] {
    std::lock_guard<std::mutex> a(i2->mu);
    std::lock_guard<std::mutex> b(c2->mu);
  }).join();
  return 0;
}

// Same objects, one order: nothing to report.
int HeapOrdered() {
  for (int i = 0; i < 4; ++i) {
    Cache* c = NewCache();
    Index* x = NewIndex();
    std::thread([&] {
      std::lock_guard<std::mutex> a(c->mu);
      std::lock_guard<std::mutex> b(x->mu);
    }).join();
    delete c;
    delete x;
  }
  return 0;
}

struct Block {
  char pad[8];
  pthread_mutex_t mu;
};

// A lock set up by init, used after g_outer, then its block freed without
// pthread_mutex_destroy. The allocator hands the same address to a block
// from another site whose lock has no init and is taken *before* g_outer.
// Had the old lock been remembered, that would close a cycle.
int FreedReuse() {
  void* raw = std::malloc(sizeof(Block));
  Block* b = static_cast<Block*>(raw);
  pthread_mutex_init(&b->mu, nullptr);
  pthread_mutex_lock(&g_outer);
  pthread_mutex_lock(&b->mu);
  pthread_mutex_unlock(&b->mu);
  pthread_mutex_unlock(&g_outer);
  std::free(raw);
  // Blocks that held locks go back to the allocator only after later such
  // frees (the library's quarantine): free lock-holding blocks until the
  // allocator hands this one out again.
  void* again = std::malloc(sizeof(Block));  // another site, no init
  for (int i = 0; i < 1000 && again != raw; ++i) {
    Block* other = static_cast<Block*>(again);
    pthread_mutex_init(&other->mu, nullptr);
    pthread_mutex_lock(&other->mu);
    pthread_mutex_unlock(&other->mu);
    std::free(again);
    again = std::malloc(sizeof(Block));
  }
  if (again != raw) {
    std::fprintf(stderr, "behaviours: allocator did not reuse the block\n");
    return 2;
  }
  Block* c = static_cast<Block*>(again);
  pthread_mutex_lock(&c->mu);
  pthread_mutex_lock(&g_outer);
  pthread_mutex_unlock(&g_outer);
  pthread_mutex_unlock(&c->mu);
  std::free(again);
  return 0;
}

int FreeHeld() {
  Account* a = new Account;
  a->mu.lock();
  ::operator delete(static_cast<void*>(a));  // the mutex still locked
  return 0;
}

int DestroyHeld() {
  pthread_mutex_t m;
  pthread_mutex_init(&m, nullptr);
  pthread_mutex_lock(&m);
  int ret = pthread_mutex_destroy(&m);
  std::printf("destroy returned %d\n", ret);
  return 0;
}

int Recursive() {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_t m;
  pthread_mutex_init(&m, &attr);
  for (int i = 0; i < 3; ++i) {
    if (pthread_mutex_lock(&m) != 0) return 1;
  }
  if (pthread_mutex_trylock(&m) != 0) return 1;
  pthread_mutex_lock(&g_outer);
  pthread_mutex_unlock(&g_outer);
  for (int i = 0; i < 4; ++i) {
    if (pthread_mutex_unlock(&m) != 0) return 1;
  }
  return 0;
}

// Error-checking mutexes answer misuse with an error the program handles:
// the answers must survive the preload.
int ErrorCheck() {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  static pthread_mutex_t m;
  pthread_mutex_init(&m, &attr);
  if (pthread_mutex_unlock(&m) != EPERM) return 1;
  if (pthread_mutex_lock(&m) != 0) return 1;
  if (pthread_mutex_lock(&m) != EDEADLK) return 1;
  int other = -1;
  std::thread([&] { other = pthread_mutex_unlock(&m); }).join();
  if (other != EPERM) return 1;
  if (pthread_mutex_unlock(&m) != 0) return 1;
  std::printf("errorcheck: EPERM, EDEADLK, EPERM kept\n");
  return 0;
}

int DoubleUnlock() {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  pthread_mutex_unlock(&m);
  return 0;
}

// Taking a normal mutex twice hangs for real; the report must come first
// (with halt_on_report=1 the program then stops instead of hanging).
int Relock() {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  alarm(20);  // a safety net: the test expects the abort long before
  pthread_mutex_lock(&m);
  return 0;
}

int RwlockAbba() {
  static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  std::thread([] {
    pthread_rwlock_wrlock(&rw);
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    pthread_rwlock_unlock(&rw);
  }).join();
  std::thread([] {
    pthread_mutex_lock(&m);
    pthread_rwlock_rdlock(&rw);
    pthread_rwlock_unlock(&rw);
    pthread_mutex_unlock(&m);
  }).join();
  return 0;
}

// glibc's default rwlock lets a reader in while another holds it for
// reading, even with a writer waiting: recursive reads are fine.
int RwlockReaders() {
  static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
  pthread_rwlock_rdlock(&rw);
  pthread_rwlock_rdlock(&rw);
  pthread_rwlock_unlock(&rw);
  pthread_rwlock_unlock(&rw);
  if (pthread_rwlock_trywrlock(&rw) != 0) return 1;
  pthread_rwlock_unlock(&rw);
  return 0;
}

int SpinAbba() {
  static pthread_spinlock_t s1, s2;
  pthread_spin_init(&s1, 0);
  pthread_spin_init(&s2, 0);
  std::thread([] {
    pthread_spin_lock(&s1);
    pthread_spin_lock(&s2);
    pthread_spin_unlock(&s2);
    pthread_spin_unlock(&s1);
  }).join();
  std::thread([] {
    pthread_spin_lock(&s2);
    pthread_spin_lock(&s1);
    pthread_spin_unlock(&s1);
    pthread_spin_unlock(&s2);
  }).join();
  return 0;
}

int ThreadExitHeld() {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  std::thread([] { pthread_mutex_lock(&m); }).join();
  return 0;
}

// A wait that keeps another lock: pthread_cond_wait drops `queue` while it
// sleeps and takes it back under `stats`, the reverse of the order it was
// taken in. A thread that holds `queue` and wants `stats` (any user of the
// first order) deadlocks against the waking waiter.
int CondWaitInversion() {
  static pthread_mutex_t queue = PTHREAD_MUTEX_INITIALIZER;
  static pthread_mutex_t stats = PTHREAD_MUTEX_INITIALIZER;
  static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&queue);
  pthread_mutex_lock(&stats);
  timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += 1000 * 1000;
  if (deadline.tv_nsec >= 1000 * 1000 * 1000) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000 * 1000 * 1000;
  }
  int ret = pthread_cond_timedwait(&ready, &queue, &deadline);
  pthread_mutex_unlock(&stats);
  pthread_mutex_unlock(&queue);
  std::printf("timedwait returned %s\n", ret == ETIMEDOUT ? "ETIMEDOUT" : "other");
  return 0;
}

// fork() while other threads allocate and lock: the child must find every
// lock of the library and the validator free, and work normally.
int Fork() {
  std::atomic<bool> stop{false};
  std::thread workers[2];
  for (auto& w : workers) {
    w = std::thread([&] {
      while (!stop.load()) {
        auto* a = new Account;
        {
          std::lock_guard<std::mutex> g(a->mu);
          pthread_mutex_lock(&g_outer);
          pthread_mutex_unlock(&g_outer);
        }
        delete a;
      }
    });
  }
  int failed = 0;
  for (int i = 0; i < 20 && !failed; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      alarm(10);  // a hang here fails the test instead of stalling it
      // Only locks no other thread used: a program lock another thread
      // held at fork() stays locked in the child, with or without lockdep.
      static pthread_mutex_t child_only = PTHREAD_MUTEX_INITIALIZER;
      auto* a = new Account;
      {
        std::lock_guard<std::mutex> g(a->mu);
        pthread_mutex_lock(&child_only);
        pthread_mutex_unlock(&child_only);
      }
      delete a;
      _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "behaviours: fork child %d failed (status %#x)\n", i, status);
      failed = 1;
    }
  }
  stop = true;
  for (auto& w : workers) w.join();
  return failed;
}

pthread_mutex_t g_handler_mu = PTHREAD_MUTEX_INITIALIZER;
std::atomic<long> g_signals{0};

void OnSignal(int) {
  // Not async-signal-safe by POSIX, done by real programs all the same: the
  // library, interrupted anywhere inside, must neither recurse nor wait on
  // itself here. (No malloc: glibc's own arena lock would deadlock that
  // with or without the library.)
  pthread_mutex_lock(&g_handler_mu);
  pthread_mutex_unlock(&g_handler_mu);
  g_signals.fetch_add(1);
}

// Signals land anywhere, inside the library's bookkeeping included.
int Signals() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigaction(SIGUSR1, &sa, nullptr);
  pthread_t main_thread = pthread_self();
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    for (int i = 0; i < 2000 && !stop.load(); ++i) {
      pthread_kill(main_thread, SIGUSR1);
      usleep(50);
    }
  });
  for (int i = 0; i < 20000; ++i) {
    auto* a = new Account;
    {
      std::lock_guard<std::mutex> g(a->mu);
    }
    delete a;
    pthread_mutex_lock(&g_outer);
    pthread_mutex_unlock(&g_outer);
  }
  stop = true;
  sender.join();
  std::printf("signals: %ld handled\n", g_signals.load());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  struct Scenario {
    const char* name;
    int (*run)();
  } scenarios[] = {
      {"heap_class", HeapClass},       {"heap_abba", HeapAbba},
      {"heap_transfer", HeapTransfer},
      {"heap_ordered", HeapOrdered},   {"freed_reuse", FreedReuse},
      {"free_held", FreeHeld},         {"destroy_held", DestroyHeld},
      {"recursive", Recursive},        {"errorcheck", ErrorCheck},
      {"double_unlock", DoubleUnlock}, {"relock", Relock},
      {"rwlock_abba", RwlockAbba},     {"rwlock_readers", RwlockReaders},
      {"spin_abba", SpinAbba},         {"thread_exit_held", ThreadExitHeld},
      {"fork", Fork},                  {"signals", Signals},
      {"cond_inversion", CondWaitInversion},
  };
  if (argc != 2) {
    std::fprintf(stderr, "usage: behaviours SCENARIO\n");
    return 2;
  }
  for (const Scenario& s : scenarios) {
    if (std::strcmp(argv[1], s.name) == 0) return s.run();
  }
  std::fprintf(stderr, "behaviours: unknown scenario %s\n", argv[1]);
  return 2;
}
