#include "instrument/preload/lock_classes.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "instrument/preload/block_table.h"
#include "instrument/preload/internal_lock.h"
#include "instrument/preload/reentry.h"
#include "runtime/graph/key_origin.h"
#include "runtime/lockdep.h"
#include "runtime/stacks/source_frames.h"
#include "runtime/stacks/stack_trace.h"
#include "runtime/base/static_storage.h"

namespace lockdep::preload {
namespace {

constexpr size_t kNameSize = 96;
constexpr size_t kIdentitySlots = kMaxPreloadClasses * 2;

// The pool: static storage, so every key is a valid static class key.
lock_class_key g_keys[kMaxPreloadClasses];
char g_names[kMaxPreloadClasses][kNameSize];
// Written under g_lock, read without it: a slot's index and its class's
// name are stored before its identity is published (release), so a reader
// that sees the identity (acquire) sees them.
std::atomic<uint64_t> g_identity[kIdentitySlots];  // 0 = empty
uint16_t g_index[kIdentitySlots];
int g_used = 0;
InternalLock g_lock;
// Held around every call of ours that walks the loader's list of objects
// (dl_iterate_phdr, unwinding, symbolising), and across fork(): glibc does
// not reset the loader's lock in a fork child, so a fork while another
// thread walks the list would leave the child's first walk hanging.
InternalLock g_loader;

// A 64-bit identity is compared whole, never truncated to a class: two
// rounds of multiply-xorshift spread it well enough for the probe too.
inline uint64_t Mix(uint64_t h) {
  for (int round = 0; round < 2; ++round) h = (h ^ (h >> 31)) * 0x9e3779b97f4a7c15ULL;
  return h | 1;  // never 0 (empty)
}

const char* TypeName(LockType t) {
  switch (t) {
    case LockType::kMutex: return "mutex";
    case LockType::kRwlock: return "rwlock";
    case LockType::kSpin: return "spinlock";
  }
  return "lock";
}

// The frame reports would show for `pc`: its innermost frame outside the
// C++ library and lockdep (SymbolizePc's choice).
SourceFrame UserFrame(uintptr_t pc) {
  std::vector<SourceFrame> frames;
  {
    InternalGuard g(g_loader);
    frames = SourceFramesOfPc(pc);
  }
  for (SourceFrame& f : frames) {
    if (!f.internal) return std::move(f);
  }
  return std::move(frames.front());
}

// "function (file:line)" from the symbolizer's "function+0x1c/0x40
// (file:line)": offsets change with every build, names do not. A stripped
// program's function has no name: "module+0xoffset" (as the symbolizer
// gives it), the same in every run.
std::string Place(uintptr_t pc) {
  SourceFrame f = UserFrame(pc);
  std::string s = std::move(f.text);
  if (f.function.empty()) return s;
  size_t plus = s.find("+0x");
  size_t paren = s.find(" (");
  if (plus != std::string::npos && (paren == std::string::npos || plus < paren)) {
    s.erase(plus, paren == std::string::npos ? std::string::npos : paren - plus);
  }
  return s;
}

// The key of `identity`, naming a new class with make_name(). Names are
// built outside the lock (symbolising is slow and takes its own locks).
template <typename MakeName>
lock_class_key* KeyFor(uint64_t identity, MakeName make_name) {
  size_t home = identity & (kIdentitySlots - 1);
  // Lock-free: a known class (every init after the first at a site) takes
  // no shared lock, so threads setting up locks do not wait on each other.
  auto find = [&]() -> lock_class_key* {
    for (size_t i = home;; i = (i + 1) & (kIdentitySlots - 1)) {
      uint64_t id = g_identity[i].load(std::memory_order_acquire);
      if (id == identity) return &g_keys[g_index[i]];
      if (id == 0) return nullptr;
    }
  };
  if (lock_class_key* k = find()) return k;
  std::string name = make_name();
  lock_class_key* key;
  {
    InternalGuard g(g_lock);
    if (lock_class_key* k = find()) return k;
    if (g_used >= kMaxPreloadClasses) return nullptr;
    int idx = g_used++;
    std::snprintf(g_names[idx], kNameSize, "%s", name.c_str());
    for (size_t i = home;; i = (i + 1) & (kIdentitySlots - 1)) {
      if (g_identity[i].load(std::memory_order_relaxed) == 0) {
        g_index[i] = uint16_t(idx);
        g_identity[i].store(identity, std::memory_order_release);
        break;
      }
    }
    key = &g_keys[idx];
  }
  // Across runs the class is what its name says (symbol, init site, module
  // offset), not the pool slot it got here: slots go in the order classes
  // are first seen, so without this `lockgraph merge` took two runs' first
  // classes for one.
  SetKeyIdentity(key, "preload:" + name);
  return key;
}

// "&symbol" or "&symbol+0x8" for a lock in a named object (as Linux names
// static locks); "static mutex 0x..." when no symbol covers it.
std::string StaticName(uintptr_t addr, const char* type) {
  // The symbolizer reads a pc: it looks up pc - 1 and prints offset + 1.
  SourceFrame f = UserFrame(addr + 1);
  const std::string& sym = f.text;
  size_t plus = sym.find("+0x");
  if (sym.rfind("0x", 0) == 0 || plus == std::string::npos) {
    return std::string("static ") + type + " " + sym;
  }
  unsigned long offset = std::strtoul(sym.c_str() + plus + 3, nullptr, 16) - 1;
  if (f.function.empty()) {
    // No symbol: "static mutex sort+0x2f0a8", the module and the offset.
    char buf[32];
    std::snprintf(buf, sizeof(buf), "+%#lx", offset);
    return std::string("static ") + type + " " + sym.substr(0, plus) + buf;
  }
  std::string name = "&" + sym.substr(0, plus);
  if (offset != 0) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "+%#lx", offset);
    name += buf;
  }
  return name;
}

const char* NameOf(const lock_class_key* key) { return g_names[key - g_keys]; }

LockEntry* Insert(uintptr_t addr, LockType type, lock_class_key* key, bool reinit) {
  if (!key) return nullptr;
  return InsertLock(addr, type, key, NameOf(key), reinit);
}

// The call sites whose code is a wrapper (libstdc++'s __gthread_mutex_lock
// and std::mutex::lock emitted out of line, C11's mtx_lock in libc) or the
// user's own, learnt once per return address: direct-mapped, lock-free
// (a slot holds the last address judged there).
constexpr size_t kSiteSlots = 4096;
std::atomic<uintptr_t> g_user_sites[kSiteSlots];
std::atomic<uintptr_t> g_wrapper_sites[kSiteSlots];

bool IsWrapperSite(uintptr_t pc) {
  size_t slot = (pc ^ (pc >> 12)) & (kSiteSlots - 1);
  if (g_user_sites[slot].load(std::memory_order_relaxed) == pc) return false;
  if (g_wrapper_sites[slot].load(std::memory_order_relaxed) == pc) return true;
  Busy busy;
  bool wrapper = UserFrame(pc).internal;
  if (!wrapper) {
    Dl_info info;
    wrapper = dladdr(reinterpret_cast<void*>(pc - 1), &info) != 0 && info.dli_fname != nullptr &&
              std::strstr(info.dli_fname, "/libc.so") != nullptr;
  }
  (wrapper ? g_wrapper_sites : g_user_sites)[slot].store(pc, std::memory_order_relaxed);
  return wrapper;
}

}  // namespace

uintptr_t UserCallSite(uintptr_t ra) {
  if (!IsWrapperSite(ra)) return ra;
  // The wrapper's callers, up to the first frame of the program's own. The
  // unwinder's own locks must pass through the interposers.
  Busy busy;
  uintptr_t raw[16];
  int n = CaptureStack(raw, 16, 0);
  int i = 0;
  while (i < n && raw[i] != ra) ++i;
  for (++i; i < n; ++i) {
    if (!IsWrapperSite(raw[i])) return raw[i];
  }
  return ra;
}

int StackFrom(uintptr_t ra, uintptr_t* pcs, int max) {
  constexpr int kMax = 32;
  uintptr_t raw[kMax];
  int n = CaptureStack(raw, std::min(max + 8, kMax), 0);
  int start = 0;
  while (start < n && raw[start] != ra) ++start;
  if (start == n) start = 0;
  int count = 0;
  for (int i = start; i < n && count < max; ++i) pcs[count++] = raw[i];
  if (count == 0 && ra != 0 && max > 0) pcs[count++] = ra;
  return count;
}

void LockClassesForkPrepare() {
  g_loader.lock();
  g_lock.lock();
}

void LockClassesForkDone() {
  g_lock.unlock();
  g_loader.unlock();
}

LockEntry* ClassifyInit(uintptr_t addr, LockType type, uintptr_t ra) {
  // The validator's walk (libunwind's cached trace: no lock, tens of
  // nanoseconds a frame for a stack seen before; fork-safe by its own
  // gate). A thread with too little stack left to unwind gets none: the
  // call site alone is then the class.
  constexpr int kOwnFrames = 4;  // LockInitialised, pthread_*_init, slack
  uintptr_t raw[kInitFrames + kOwnFrames];
  int n = CaptureStack(raw, kInitFrames + kOwnFrames, 0);
  // Start at the caller of pthread_*_init (our own frames come first); if
  // it is not among them, the call site alone is the class.
  int start = -1;
  for (int i = 0; i < n && start < 0; ++i) {
    if (raw[i] == ra) start = i;
  }
  int count = start < 0 ? 0 : std::min(n - start, kInitFrames);
  if (count <= 0) {
    raw[0] = ra;
    start = 0;
    count = 1;
  }
  uint64_t h = Mix(0x1417 + uint64_t(type));
  for (int i = 0; i < count; ++i) h = Mix(h ^ raw[start + i]);
  // Every lock set up here is one class, wherever it lives: forgotten with
  // its heap block like any other. A lock set up again where one was
  // (destroyed, not freed) is in a block already marked.
  LockEntry* known = FindLock(addr);
  if (!known || known->fate.load(std::memory_order_relaxed) == LockFate::kFreed) {
    Block block;
    FindBlockAndMarkLocks(addr, &block);
  }
  lock_class_key* key = KeyFor(h, [&] {
    return std::string(TypeName(type)) + " init " + Place(raw[start]);
  });
  return Insert(addr, type, key, /*reinit=*/true);
}

namespace {

// The class of an object first seen at `addr` with no init call, by the
// rules of lock_classes.h; `salt` keeps kinds of object apart.
lock_class_key* KeyOfPlace(uintptr_t addr, const char* type, uint64_t salt) {
  Block block;
  bool is_static;
  {
    InternalGuard g(g_loader);
    is_static = IsStaticAddress(reinterpret_cast<const void*>(addr));
  }
  if (is_static) {
    return KeyFor(Mix(addr ^ 0x57a7 ^ (salt << 48)), [&] { return StaticName(addr, type); });
  }
  if (FindBlockAndMarkLocks(addr, &block)) {
    uintptr_t offset = addr - block.start;
    return KeyFor(Mix(Mix(block.site ^ 0xb10c) ^ offset ^ (salt << 56)), [&] {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "+%lu", static_cast<unsigned long>(offset));
      return std::string(type) + buf + " in block from " + Place(block.site);
    });
  }
  return KeyFor(Mix(addr ^ 0x57ac ^ (salt << 48)), [&] {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%s@%#lx", type, static_cast<unsigned long>(addr));
    return std::string(buf);
  });
}

}  // namespace

LockEntry* ClassifyFirstUse(uintptr_t addr, LockType type) {
  return Insert(addr, type, KeyOfPlace(addr, TypeName(type), uint64_t(type)),
                /*reinit=*/false);
}

lock_class_key* ClassifyEvent(uintptr_t addr, const char* type, const char** name) {
  lock_class_key* key = KeyOfPlace(addr, type, 0x40 + uint64_t(type[0]));
  if (key) *name = NameOf(key);
  return key;
}

lock_class_key* ClassifyThread(uintptr_t create_site, const char** name) {
  lock_class_key* key = KeyFor(Mix(create_site ^ 0x7ead), [&] {
    return "thread created at " + Place(create_site);
  });
  if (key) *name = NameOf(key);
  return key;
}

}  // namespace lockdep::preload
