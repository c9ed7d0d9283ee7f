// C++-style locks that lockdep watches: lockdep::Mutex, lockdep::SharedMutex
// and lockdep::SpinLock.
//
// They are drop-in standard lock types (Lockable; SharedMutex also
// SharedLockable), so std::lock_guard, std::unique_lock, std::scoped_lock,
// std::shared_lock and std::condition_variable_any work with them. Every lock
// and unlock also tells the validator (runtime/lockdep.h), which reports a
// lock-order problem the first time the order is *observed*, not when it
// deadlocks. The lock/unlock functions are out of line so the validator
// records your call site; the real locking is a futex (Mutex, SharedMutex) or a
// spin (SpinLock) word.
//
// Lock classes. The validator reasons about classes, not objects: all locks
// constructed at one place in your code are one class, as all locks
// initialised by one mutex_init() call are in Linux. The place is found from
// the call stack and debug information when the lock is constructed. A data
// member is its own class, named after the member, whichever constructor
// builds it and however the compiler inlined or unrolled that (the same
// classes at -O0 and -O2):
//
//   struct Cache {
//     lockdep::Mutex map_mu;  // class "Cache::map_mu (cache.h:2)"
//     lockdep::Mutex lru_mu;  // class "Cache::lru_mu (cache.h:3)"
//   };
//
// Any other lock is classed by its line ("worker.cc:42"; "#2" numbers the
// second construction on one line). A lock made by std::make_unique,
// emplace_back or any other standard-library code is classed by the first
// frame of your code that asked for it, not by the library's line; all the
// locks of one std::vector<Mutex>(n) are one class.
// A name makes the class easier to read in reports (and is the cheaper
// constructor: no stack walk):
//
//   class Account {
//     lockdep::Mutex mu_{"Account::mu_"};
//     lockdep::Mutex log_mu_{"Account::log_mu_"};
//     int balance_ LOCKDEP_GUARDED_BY(mu_) = 0;
//   };
//
// Or pick classes yourself with a static lock_class_key (e.g. one per
// subsystem). Taking two locks of one class (say, two Accounts) at once is
// reported as recursive locking unless the program declares their order
// with SetLockCmpFn() (or takes both with std::scoped_lock, which cannot
// deadlock in any order).
//
// Limits of the unnamed default: without debug information (no -g) classes
// fall back to the calling function's name; a class that mixes named and
// unnamed members of one lock type may have its unnamed members classed by
// the wrong member name (their calls are matched to the members in order);
// a loop the compiler unrolled around a constructor call that is not a
// member's can split one line's locks into several classes.
//
// Thread-safety annotations: the types are Clang capabilities. libstdc++'s
// std::lock_guard is not annotated, so under -Wthread-safety prefer
// lockdep::LockGuard / lockdep::SharedLockGuard below.
#ifndef LOCKDEP_INSTRUMENT_CXX_H_
#define LOCKDEP_INSTRUMENT_CXX_H_

#include <atomic>
#include <cstdint>
#include <version>
#ifdef __cpp_lib_source_location
#include <source_location>
#endif

#include "instrument/cxx/raw_mutex.h"
#include "instrument/cxx/raw_shared_mutex.h"
#include "instrument/cxx/raw_spin_lock.h"
#include "instrument/cxx/thread_annotations.h"
#include "runtime/lockdep_map.h"

// Keeps the compiler from turning the call just before it into a jump, so
// that the callee's return address lies in the code that called it (an
// unnamed lock's class is found from there).
#define LOCKDEP_NO_TAIL_CALL() asm volatile("")

namespace lockdep {

// A place in the source: where a lock was constructed. The default argument of
// Current() captures the caller's file and line, so a constructor declared
// `Mutex(..., LockSite site = LockSite::Current())` sees its caller. Wrappers
// that construct locks for their users can take a LockSite the same way and
// pass it on, so the class is the user's site, not the wrapper's.
struct LockSite {
  const char* file;
  unsigned line;

#ifdef __cpp_lib_source_location
  static constexpr LockSite Current(
      std::source_location here = std::source_location::current()) {
    return LockSite{here.file_name(), static_cast<unsigned>(here.line())};
  }
#else
  // Clang 14 with libstdc++ 12 has no std::source_location; the builtins
  // behind it work the same in default arguments.
  static constexpr LockSite Current(const char* file = __builtin_FILE(),
                                    unsigned line = __builtin_LINE()) {
    return LockSite{file, line};
  }
#endif
};

// A mutual-exclusion lock that sleeps (futex) when contended. Not recursive:
// locking it twice on one thread deadlocks, and lockdep reports it first.
// Size: 48 bytes on 64-bit Linux (the 4-byte lock word and the lockdep_map).
class LOCKDEP_CAPABILITY("mutex") Mutex {
 public:
  // The class is the member this Mutex is, or the place in your code that
  // constructs it (see "Lock classes" above): "Cache::map_mu (cache.h:27)",
  // "file.cc:42" or "file.cc:42#2". Cost: a
  // lookup in a process-wide registry under a std::mutex (and a step of
  // dl_iterate_phdr, which takes the loader's lock, to notice an unloaded
  // library) when the constructor is called from your code directly and
  // that call ran before; otherwise a
  // stack walk and its symbolisation (the first lock of a process also reads
  // the program's debug information, milliseconds).
  [[gnu::always_inline]] Mutex() {
    InitUnnamed();
    LOCKDEP_NO_TAIL_CALL();
  }
  // The class is `site` plus `name`, named `name` (or "file.cc:42" for a
  // null name: wrappers pass their caller's LockSite on). `name` need not
  // outlive the Mutex (it is copied once per class). Cost: one lookup in a
  // process-wide registry under a std::mutex; the first construction at a
  // site also allocates the class key.
  explicit Mutex(const char* name, LockSite site = LockSite::Current());
  // The class is `key` (a static object, or registered with
  // lockdep_register_key() for as long as the Mutex lives), so locks
  // constructed anywhere can share one class. `name` must outlive the Mutex.
  // Cost: a few stores.
  Mutex(lock_class_key& key, const char* name);
  // Destroying a Mutex that is still locked is reported as "held lock freed".
  ~Mutex();

  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // An order among the Mutexs of this one's class, as Linux's
  // lockdep_set_lock_cmp_fn: cmp(a, b) < 0 when `a` may be held while
  // taking `b` (say, the account with the lower id first). Two locks of the
  // class held together are then accepted in that order and reported as
  // recursive locking against it; the report shows each through `print`
  // (which writes to stderr), if given. Both run under the validator's
  // lock: they must not lock. The first order set for a class stays. Cost:
  // a scan of a small table; acquiring a second lock of such a class then
  // always takes the validator's slow path (its verdict is per instance).
  void SetLockCmpFn(int (*cmp)(const Mutex& a, const Mutex& b),
                    void (*print)(const Mutex& lock) = nullptr);


  // Blocks until this thread holds the Mutex. The order check runs before the
  // wait, so an order that can deadlock is reported even if it is about to.
  void lock() LOCKDEP_ACQUIRE();
  // lock() for the second of two locks of one class held at once: subclass
  // 1..7 makes it a distinct class for ordering, so always taking the "parent"
  // with lock() and then the "child" with lock_nested(1) is accepted, and the
  // reverse order is reported. 0 is the same as lock(). Release with unlock().
  void lock_nested(unsigned subclass) LOCKDEP_ACQUIRE();
  // Takes the Mutex if it is free, without blocking; true on success. A
  // successful try_lock adds no order dependency (it cannot deadlock), but
  // locks taken while holding it depend on it.
  bool try_lock() LOCKDEP_TRY_ACQUIRE(true);
  // Releases the Mutex. Unlocking a Mutex this thread does not hold (not
  // locked at all, or held by another thread) is reported as "bad unlock
  // balance" and leaves the real lock untouched.
  void unlock() LOCKDEP_RELEASE();

  // Reports "lockdep_assert_held failed" unless this thread holds the Mutex.
  // Never fires while validation is off. Cost: a scan of the held-lock stack.
  void AssertHeld() const LOCKDEP_ASSERT_CAPABILITY(this);
  // Reports "lockdep_assert_not_held failed" if this thread holds the Mutex.
  void AssertNotHeld() const;

 private:
  // The class of a default-constructed lock (see "Lock classes"); its return
  // address is in the constructing code, never a tail call away from it.
  void InitUnnamed();

  internal::RawMutex raw_;
  std::atomic<uint32_t> owner_{0};  // the holding thread, 0 while free
  lockdep_map map_;
};

// A reader/writer lock: one writer, or any number of readers. Writers are
// preferred (once a writer waits, new readers wait behind it), so a reader that
// takes a read lock it already holds can deadlock; lockdep treats readers as
// non-recursive (like Linux rw_semaphore readers) and reports that.
// Size: 48 bytes on 64-bit Linux.
class LOCKDEP_CAPABILITY("mutex") SharedMutex {
 public:
  // Classes and costs as for Mutex.
  [[gnu::always_inline]] SharedMutex() {
    InitUnnamed();
    LOCKDEP_NO_TAIL_CALL();
  }
  explicit SharedMutex(const char* name, LockSite site = LockSite::Current());
  SharedMutex(lock_class_key& key, const char* name);
  ~SharedMutex();

  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  // An order among the SharedMutexs of this one's class, as Linux's
  // lockdep_set_lock_cmp_fn: cmp(a, b) < 0 when `a` may be held while
  // taking `b` (say, the account with the lower id first). Two locks of the
  // class held together are then accepted in that order and reported as
  // recursive locking against it; the report shows each through `print`
  // (which writes to stderr), if given. Both run under the validator's
  // lock: they must not lock. The first order set for a class stays. Cost:
  // a scan of a small table; acquiring a second lock of such a class then
  // always takes the validator's slow path (its verdict is per instance).
  void SetLockCmpFn(int (*cmp)(const SharedMutex& a, const SharedMutex& b),
                    void (*print)(const SharedMutex& lock) = nullptr);


  // Exclusive (writer) locking; as Mutex. There is no owner word (it would
  // not fit in 48 bytes): unlock() and unlock_shared() ask the held-lock
  // stack whether this thread holds the lock in that mode, and leave the
  // real lock alone when not (while validation is off they cannot tell and
  // release it).
  void lock() LOCKDEP_ACQUIRE();
  void lock_nested(unsigned subclass) LOCKDEP_ACQUIRE();
  bool try_lock() LOCKDEP_TRY_ACQUIRE(true);
  void unlock() LOCKDEP_RELEASE();

  // Shared (reader) locking. The order check runs before the wait, as for
  // lock(). try_lock_shared fails when a writer holds the lock or waits for it.
  void lock_shared() LOCKDEP_ACQUIRE_SHARED();
  bool try_lock_shared() LOCKDEP_TRY_ACQUIRE_SHARED(true);
  void unlock_shared() LOCKDEP_RELEASE_SHARED();

  // Reports "lockdep_assert_held failed" unless this thread holds the lock
  // exclusively.
  void AssertHeld() const LOCKDEP_ASSERT_CAPABILITY(this);
  // Reports "lockdep_assert_held failed" unless this thread holds the lock in
  // either mode.
  void AssertReaderHeld() const LOCKDEP_ASSERT_SHARED_CAPABILITY(this);
  // Reports "lockdep_assert_not_held failed" if this thread holds the lock in
  // either mode.
  void AssertNotHeld() const;

 private:
  // The class of a default-constructed lock (see "Lock classes"); its return
  // address is in the constructing code, never a tail call away from it.
  void InitUnnamed();

  internal::RawSharedMutex raw_;
  lockdep_map map_;
};

// A lock that spins instead of sleeping (yielding the CPU after a long spin),
// for very short critical sections. Not recursive. The validator treats it
// like a Mutex; it is not a kernel spinlock_t (no irq-context rules).
// Size: 48 bytes on 64-bit Linux.
class LOCKDEP_CAPABILITY("mutex") SpinLock {
 public:
  // Classes and costs as for Mutex.
  [[gnu::always_inline]] SpinLock() {
    InitUnnamed();
    LOCKDEP_NO_TAIL_CALL();
  }
  explicit SpinLock(const char* name, LockSite site = LockSite::Current());
  SpinLock(lock_class_key& key, const char* name);
  ~SpinLock();

  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  // As Mutex.
  void lock() LOCKDEP_ACQUIRE();
  void lock_nested(unsigned subclass) LOCKDEP_ACQUIRE();
  bool try_lock() LOCKDEP_TRY_ACQUIRE(true);
  void unlock() LOCKDEP_RELEASE();

  void AssertHeld() const LOCKDEP_ASSERT_CAPABILITY(this);
  void AssertNotHeld() const;

 private:
  // The class of a default-constructed lock (see "Lock classes"); its return
  // address is in the constructing code, never a tail call away from it.
  void InitUnnamed();

  internal::RawSpinLock raw_;
  std::atomic<uint32_t> owner_{0};  // the holding thread, 0 while free
  lockdep_map map_;
};

// Holds `lock` exclusively for the guard's lifetime, like std::lock_guard, but
// visible to Clang's thread-safety analysis. Always inlined, so the validator
// records the line that declares the guard as the acquire site.
template <typename Lock>
class LOCKDEP_SCOPED_CAPABILITY LockGuard {
 public:
  [[gnu::always_inline]] explicit LockGuard(Lock& lock) LOCKDEP_ACQUIRE(lock)
      : lock_(lock) {
    lock_.lock();
  }
  [[gnu::always_inline]] ~LockGuard() LOCKDEP_RELEASE() { lock_.unlock(); }

  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Lock& lock_;
};

// Holds a SharedMutex as a reader for the guard's lifetime (std::shared_lock
// without the deferred/adopt modes, visible to the analysis).
class LOCKDEP_SCOPED_CAPABILITY SharedLockGuard {
 public:
  [[gnu::always_inline]] explicit SharedLockGuard(SharedMutex& lock)
      LOCKDEP_ACQUIRE_SHARED(lock)
      : lock_(lock) {
    lock_.lock_shared();
  }
  [[gnu::always_inline]] ~SharedLockGuard() LOCKDEP_RELEASE_GENERIC() {
    lock_.unlock_shared();
  }

  SharedLockGuard(const SharedLockGuard&) = delete;
  SharedLockGuard& operator=(const SharedLockGuard&) = delete;

 private:
  SharedMutex& lock_;
};

}  // namespace lockdep

// lockdep::CondVar, whose waits are events of the lock graph.
#include "instrument/cxx/cond_var.h"

#endif  // LOCKDEP_INSTRUMENT_CXX_H_
