#include "runtime/stacks/stack_room.h"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

extern "C" void* __libc_stack_end;  // ld.so's: the main thread's stack top

namespace lockdep {
namespace {

constexpr size_t kSecondStackSize = size_t{1} << 20;

// Initial-exec TLS of plain types: no allocation, no constructor, usable
// from an allocator's interposer.
__thread uintptr_t t_low __attribute__((tls_model("initial-exec")));
__thread uintptr_t t_high __attribute__((tls_model("initial-exec")));
__thread bool t_on_second_stack __attribute__((tls_model("initial-exec")));

std::atomic<uint64_t> g_traces_left_out{0};

// The main thread's stack without pthread_getattr_np, which for that thread
// reads /proc/self/maps (a few hundred lines in a program with many shared
// libraries: most of a millisecond at every process's first trace). As
// glibc computes it: the stack ends at the page above __libc_stack_end, and
// RLIMIT_STACK counts from the top of the stack's mapping, above the
// arguments and environment; the kernel puts the program's file name
// (AT_EXECFN) last there, so its end gives that top. Left out: glibc's
// check against the mapping below (ASLR keeps it far away). False for
// other threads, or when the limit is unlimited.
bool LearnMainThreadBounds() {
  if (getpid() != static_cast<pid_t>(syscall(SYS_gettid))) return false;
  rlimit limit;
  if (getrlimit(RLIMIT_STACK, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return false;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t high = (reinterpret_cast<uintptr_t>(__libc_stack_end) + page) & ~(page - 1);
  uintptr_t top = high;
  if (const auto* execfn = reinterpret_cast<const char*>(getauxval(AT_EXECFN))) {
    const uintptr_t end = reinterpret_cast<uintptr_t>(execfn) + std::strlen(execfn) + 1;
    if (end > top) top = (end + sizeof(void*) + page - 1) & ~(page - 1);
  }
  if (top - high >= limit.rlim_cur) return false;
  const uintptr_t size = (limit.rlim_cur - (top - high)) & ~(page - 1);
  if (size >= high) return false;
  t_low = high - size;
  t_high = high;
  return true;
}

void LearnBounds() {
  if (LearnMainThreadBounds()) return;
  // Unknown until glibc answers: pthread_getattr_np holds the thread's own
  // glibc lock while it reallocates, and an allocator whose locks are
  // interposed (rustc's jemalloc, under the preload library) may come back
  // here; asking again would wait for that lock for ever.
  t_high = 1;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* base = nullptr;
  size_t size = 0;
  pthread_attr_getstack(&attr, &base, &size);
  pthread_attr_destroy(&attr);
  t_low = reinterpret_cast<uintptr_t>(base);
  t_high = t_low + size;
}

// The second stack of a thread and the two contexts that switch to it,
// kept at the stack's low end (ucontext_t is ~1 KiB: too much to put on a
// small stack twice). Unmapped by the thread_local's destructor.
struct SecondStack {
  ucontext_t caller;
  ucontext_t callee;
};

// Destroyed among the thread's C++ thread_locals, before glibc runs the
// pthread-key destructors, which may still lock (libunwind's does): a use
// after that maps a stack for the one call.
struct SecondStackOwner {
  void* map = nullptr;
  bool gone = false;
  ~SecondStackOwner() {
    if (map != nullptr) munmap(map, kSecondStackSize);
    map = nullptr;
    gone = true;
  }
};
thread_local SecondStackOwner t_second_stack;

struct Call {
  void (*fn)(void*);
  void* arg;
};
__thread Call* t_call __attribute__((tls_model("initial-exec")));

void Trampoline() { t_call->fn(t_call->arg); }

}  // namespace

size_t StackRoom() {
  if (__builtin_expect(t_high == 0, 0)) LearnBounds();
  const auto sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (sp < t_low || sp >= t_high) return kUnknownStackRoom;
  return sp - t_low;
}

bool OnThisThreadsStack(uintptr_t addr) {
  if (__builtin_expect(t_high == 0, 0)) LearnBounds();
  return addr >= t_low && addr < t_high;
}

void RunWithStackRoom(size_t need, void (*fn)(void*), void* arg) {
  if (t_on_second_stack || StackRoom() >= need) {
    fn(arg);
    return;
  }
  SecondStackOwner& owner = t_second_stack;
  if (owner.map == nullptr) {
    void* p = mmap(nullptr, kSecondStackSize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) {
      fn(arg);  // nothing better to do than try
      return;
    }
    owner.map = p;
  }
  auto* s = static_cast<SecondStack*>(owner.map);
  char* stack = static_cast<char*>(owner.map) + ((sizeof(SecondStack) + 63) & ~size_t{63});
  getcontext(&s->callee);
  s->callee.uc_stack.ss_sp = stack;
  s->callee.uc_stack.ss_size = kSecondStackSize - size_t(stack - static_cast<char*>(owner.map));
  s->callee.uc_link = &s->caller;
  makecontext(&s->callee, Trampoline, 0);
  Call call{fn, arg};
  Call* outer = t_call;
  t_call = &call;
  t_on_second_stack = true;
  swapcontext(&s->caller, &s->callee);
  t_on_second_stack = false;
  t_call = outer;
  if (owner.gone) {
    munmap(owner.map, kSecondStackSize);
    owner.map = nullptr;
  }
}

void CountTraceLeftOut() { g_traces_left_out.fetch_add(1, std::memory_order_relaxed); }

uint64_t TracesLeftOut() { return g_traces_left_out.load(std::memory_order_relaxed); }

}  // namespace lockdep
