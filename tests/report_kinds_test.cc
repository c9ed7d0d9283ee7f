// Every report kind that needs neither interrupt contexts nor ww_mutexes, each
// with a near miss that must stay silent, and the validator rules around them
// (trylock, classes and keys, might_lock, threads, limits, de-duplication).
// Expectations follow the README's report table and Linux's kernel/locking/lockdep.c.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "instrument/kernel.h"
#include "tests/test_support.h"
#include "tests/text_lines.h"

namespace {

using ::lockdep::Report;
using ::lockdep::ReportKind;
using ::lockdep_test::FakeLock;
using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::lockdep_test::OnlyReport;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::Not;

long Gettid() { return static_cast<long>(syscall(SYS_gettid)); }

// Runs `fn` on a new thread to its end and returns that thread's tid.
template <typename Fn>
long RunOnThread(Fn fn) {
  long tid = 0;
  std::thread t([&] {
    tid = Gettid();
    fn();
  });
  t.join();
  return tid;
}

using lockdep::testing::Lines;

bool AllOf(const std::string& line, char c) {
  return !line.empty() && line.find_first_not_of(c) == std::string::npos;
}

// ===========================================================================
// possible circular locking dependency detected

class CircularDependency : public LockdepTest {};

DEFINE_SPINLOCK(circ_a);
DEFINE_SPINLOCK(circ_b);

TEST_F(CircularDependency, AbbaIsReportedWithChainAndScenario) {
  spin_lock(&circ_a);
  spin_lock(&circ_b);
  spin_unlock(&circ_b);
  spin_unlock(&circ_a);
  EXPECT_THAT(Kinds(), IsEmpty());

  spin_lock(&circ_b);
  spin_lock(&circ_a);  // closes circ_a -> circ_b -> circ_a
  spin_unlock(&circ_a);
  spin_unlock(&circ_b);

  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  const Report r = OnlyReport();
  // report.h: the lock being acquired first, then the held one.
  ASSERT_GE(r.classes.size(), 2u);
  EXPECT_EQ(r.classes[0], "circ_a");
  EXPECT_EQ(r.classes[1], "circ_b");
  EXPECT_THAT(r.text, HasSubstr("circ_a"));
  EXPECT_THAT(r.text, HasSubstr("circ_b"));
  EXPECT_THAT(r.text,
              HasSubstr("the existing dependency chain (in reverse order) is:"));
  EXPECT_THAT(r.text, HasSubstr("Possible unsafe locking scenario"));
  EXPECT_THAT(r.text, HasSubstr("*** DEADLOCK ***"));
  EXPECT_EQ(r.tid, Gettid());

  // The kernel's layout: a line of '=', the title, a line of '-', details.
  const std::vector<std::string> lines = Lines(r.text);
  size_t t = 0;
  while (t < lines.size() && lines[t] != r.title) ++t;
  ASSERT_LT(t, lines.size()) << r.text;
  ASSERT_GE(t, 1u);
  ASSERT_LT(t + 1, lines.size());
  EXPECT_TRUE(AllOf(lines[t - 1], '=')) << lines[t - 1];
  EXPECT_TRUE(AllOf(lines[t + 1], '-')) << lines[t + 1];
}

TEST_F(CircularDependency, SameOrderTwiceIsFine) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  for (int i = 0; i < 2; ++i) {
    spin_lock(&a);
    spin_lock(&b);
    spin_unlock(&b);
    spin_unlock(&a);
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// possible recursive locking detected

class RecursiveLocking : public LockdepTest {};

TEST_F(RecursiveLocking, TwoMutexesOfOneClass) {
  struct mutex m[2];
  for (struct mutex& x : m) mutex_init(&x);  // one site: one class
  mutex_lock(&m[0]);
  mutex_lock(&m[1]);
  mutex_unlock(&m[1]);
  mutex_unlock(&m[0]);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
  const Report r = OnlyReport();
  ASSERT_FALSE(r.classes.empty());
  EXPECT_THAT(r.text, HasSubstr(r.classes[0]));
}

TEST_F(RecursiveLocking, NestingAnnotationIsNotReported) {
  struct mutex m[2];
  for (struct mutex& x : m) mutex_init(&x);
  mutex_lock(&m[0]);
  mutex_lock_nested(&m[1], SINGLE_DEPTH_NESTING);
  mutex_unlock(&m[1]);
  mutex_unlock(&m[0]);

  spinlock_t s[2];
  for (spinlock_t& x : s) spin_lock_init(&x);
  spin_lock(&s[0]);
  spin_lock_nested(&s[1], SINGLE_DEPTH_NESTING);
  spin_unlock(&s[1]);
  spin_unlock(&s[0]);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// bad unlock balance detected

class BadUnlockBalance : public LockdepTest {};

TEST_F(BadUnlockBalance, DoubleUnlockLeavesTheLockUsable) {
  spinlock_t l;
  spin_lock_init(&l);
  spin_lock(&l);
  spin_unlock(&l);
  spin_unlock(&l);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
  spin_lock(&l);  // still unlocked and usable
  EXPECT_EQ(spin_is_locked(&l), 1);
  spin_unlock(&l);
  EXPECT_EQ(spin_is_locked(&l), 0);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
}

TEST_F(BadUnlockBalance, UnlockOfANeverLockedMutex) {
  struct mutex m;
  mutex_init(&m);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
  EXPECT_FALSE(mutex_is_locked(&m));
}

TEST_F(BadUnlockBalance, ReleaseByAnotherThread) {
  static lock_class_key key;
  FakeLock lock(&key, "owned_by_main");
  lock.Lock();
  const long releaser = RunOnThread([&] { lock.Unlock(); });
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
  EXPECT_EQ(OnlyReport().tid, releaser);
  EXPECT_TRUE(lock.IsHeld());  // still this thread's
  lock.Unlock();
  EXPECT_FALSE(lock.IsHeld());
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kBadUnlockBalance));
}

TEST_F(BadUnlockBalance, BalancedUnlockIsFine) {
  struct rw_semaphore sem;
  init_rwsem(&sem);
  down_read(&sem);
  up_read(&sem);
  down_write(&sem);
  up_write(&sem);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// held lock freed

class HeldLockFreed : public LockdepTest {};

struct Object {
  char payload[64];
  spinlock_t lock;
};

TEST_F(HeldLockFreed, FreeingTheMemoryOfAHeldLock) {
  auto obj = std::make_unique<Object>();
  spin_lock_init(&obj->lock);
  spin_lock(&obj->lock);
  debug_check_no_locks_freed(obj.get(), sizeof(Object));
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kHeldLockFreed));
  spin_unlock(&obj->lock);  // before the memory really goes
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kHeldLockFreed));
}

TEST_F(HeldLockFreed, FreeingMemoryNextToAHeldLockIsFine) {
  auto obj = std::make_unique<Object>();
  spin_lock_init(&obj->lock);
  spin_lock(&obj->lock);
  debug_check_no_locks_freed(obj->payload, sizeof(obj->payload));
  debug_check_no_locks_freed(obj.get(), offsetof(Object, lock));
  spin_unlock(&obj->lock);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(HeldLockFreed, FreeingAfterUnlockIsFine) {
  auto obj = std::make_unique<Object>();
  spin_lock_init(&obj->lock);
  spin_lock(&obj->lock);
  spin_unlock(&obj->lock);
  debug_check_no_locks_freed(obj.get(), sizeof(Object));
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(HeldLockFreed, InitOfAHeldLock) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  mutex_init(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kHeldLockFreed));
}

TEST_F(HeldLockFreed, DestroyOfAHeldMutex) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  mutex_destroy(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kHeldLockFreed));
}

TEST_F(HeldLockFreed, DestroyAfterUnlockIsFine) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  mutex_unlock(&m);
  mutex_destroy(&m);
  mutex_init(&m);  // re-initialising an unlocked mutex is fine too
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// lock held at thread exit

class LockHeldAtExit : public LockdepTest {};

TEST_F(LockHeldAtExit, ThreadReturnsHoldingALock) {
  spinlock_t l;
  spin_lock_init(&l);
  const long tid = RunOnThread([&] { spin_lock(&l); });
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kLockHeldAtExit));
  EXPECT_EQ(OnlyReport().tid, tid);
  EXPECT_THAT(OnlyReport().text, HasSubstr("&l"));
}

TEST_F(LockHeldAtExit, ThreadReleasingBeforeExitIsFine) {
  spinlock_t l;
  spin_lock_init(&l);
  RunOnThread([&] {
    spin_lock(&l);
    spin_unlock(&l);
  });
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// use of uninitialized or destroyed lock

class UninitializedLock : public LockdepTest {};

TEST_F(UninitializedLock, ZeroedSpinlockNeverInitialised) {
  spinlock_t l{};  // all zero: no *_init, no DEFINE_SPINLOCK
  spin_lock(&l);
  spin_unlock(&l);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kUninitializedLock));
}

TEST_F(UninitializedLock, MutexUsedAfterDestroy) {
  struct mutex m;
  mutex_init(&m);
  mutex_destroy(&m);
  mutex_lock(&m);
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kUninitializedLock));
}

DEFINE_SPINLOCK(defined_spinlock);
DEFINE_MUTEX(defined_mutex);

TEST_F(UninitializedLock, InitialisedOrDefinedLocksAreFine) {
  spinlock_t l;
  spin_lock_init(&l);
  spin_lock(&l);
  spin_unlock(&l);
  spin_lock(&defined_spinlock);
  spin_unlock(&defined_spinlock);
  mutex_lock(&defined_mutex);
  mutex_unlock(&defined_mutex);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// lockdep_assert_held failed / lockdep_assert_not_held failed

class AssertHeld : public LockdepTest {};

TEST_F(AssertHeld, NotHeld) {
  struct mutex m;
  mutex_init(&m);
  EXPECT_FALSE(lockdep_is_held(&m));
  lockdep_assert_held(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
}

TEST_F(AssertHeld, OnceNotHeld) {
  struct mutex m;
  mutex_init(&m);
  lockdep_assert_held_once(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
}

TEST_F(AssertHeld, WriteWhenHeldForRead) {
  rwlock_t rw;
  rwlock_init(&rw);
  read_lock(&rw);
  lockdep_assert_held_write(&rw);
  read_unlock(&rw);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
}

TEST_F(AssertHeld, ReadWhenHeldForWrite) {
  struct rw_semaphore sem;
  init_rwsem(&sem);
  down_write(&sem);
  lockdep_assert_held_read(&sem);
  up_write(&sem);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
}

TEST_F(AssertHeld, HeldInTheAssertedModeIsFine) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  EXPECT_TRUE(lockdep_is_held(&m));
  lockdep_assert_held(&m);
  lockdep_assert_held_once(&m);
  lockdep_assert_held_write(&m);
  mutex_unlock(&m);

  rwlock_t rw;
  rwlock_init(&rw);
  read_lock(&rw);
  EXPECT_TRUE(lockdep_is_held_type(&rw, 1));
  EXPECT_FALSE(lockdep_is_held_type(&rw, 0));
  lockdep_assert_held(&rw);
  lockdep_assert_held_read(&rw);
  read_unlock(&rw);
  write_lock(&rw);
  lockdep_assert_held_write(&rw);
  write_unlock(&rw);

  struct rw_semaphore sem;
  init_rwsem(&sem);
  down_read(&sem);  // a non-recursive reader is a reader too
  lockdep_assert_held_read(&sem);
  up_read(&sem);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// Asserts are about the calling thread's locks: another thread holding the
// lock does not satisfy lockdep_assert_held, nor fail lockdep_assert_not_held.
TEST_F(AssertHeld, AssertsCheckTheCallingThread) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  bool held_there = true;
  const long tid = RunOnThread([&] {
    held_there = lockdep_is_held(&m);
    lockdep_assert_not_held(&m);
    lockdep_assert_held(&m);
  });
  mutex_unlock(&m);
  EXPECT_FALSE(held_there);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kAssertHeldFailed));
  EXPECT_EQ(OnlyReport().tid, tid);
}

class AssertNotHeld : public LockdepTest {};

TEST_F(AssertNotHeld, Held) {
  spinlock_t l;
  spin_lock_init(&l);
  spin_lock(&l);
  lockdep_assert_not_held(&l);
  spin_unlock(&l);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertNotHeldFailed));
}

TEST_F(AssertNotHeld, NotHeldIsFine) {
  spinlock_t l;
  spin_lock_init(&l);
  lockdep_assert_not_held(&l);
  spin_lock(&l);
  spin_unlock(&l);
  lockdep_assert_not_held(&l);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(AssertNotHeld, NoneHeldWhileHoldingALock) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  lockdep_assert_none_held_once();
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kAssertNotHeldFailed));
}

TEST_F(AssertNotHeld, NoneHeldWithNothingHeldIsFine) {
  struct mutex m;
  mutex_init(&m);
  mutex_lock(&m);
  mutex_unlock(&m);
  lockdep_assert_none_held_once();
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// nest_lock not held (report.h's kNestLockNotHeld)

class NestLock : public LockdepTest {};

// Linux merges consecutive same-class acquisitions under one nest_lock into
// one held entry (hlock->references), so even more children than the depth
// limit (48) are fine.
TEST_F(NestLock, ManyChildrenOfOneClassUnderTheirNestLock) {
  constexpr int kChildren = 64;
  struct mutex parent;
  mutex_init(&parent);
  auto children = std::make_unique<struct mutex[]>(kChildren);
  for (int i = 0; i < kChildren; ++i) mutex_init(&children[i]);  // one class

  mutex_lock(&parent);
  for (int i = 0; i < kChildren; ++i) {
    mutex_lock_nest_lock(&children[i], &parent);
  }
  EXPECT_TRUE(lockdep_is_held(&children[kChildren - 1]));
  for (int i = 0; i < kChildren; ++i) mutex_unlock(&children[i]);
  mutex_unlock(&parent);
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_TRUE(lockdep::ValidationEnabled());
}

TEST_F(NestLock, NestLockNotHeld) {
  struct mutex parent;
  mutex_init(&parent);
  struct mutex child;
  mutex_init(&child);
  mutex_lock_nest_lock(&child, &parent);
  mutex_unlock(&child);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kNestLockNotHeld));
}

// Without the annotation, two children of one class are recursive locking.
TEST_F(NestLock, WithoutTheAnnotationTwoChildrenAreRecursive) {
  struct mutex parent;
  mutex_init(&parent);
  struct mutex children[2];
  for (struct mutex& c : children) mutex_init(&c);
  mutex_lock(&parent);
  mutex_lock(&children[0]);
  mutex_lock(&children[1]);
  mutex_unlock(&children[1]);
  mutex_unlock(&children[0]);
  mutex_unlock(&parent);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
}

// ===========================================================================
// Trylock (kernel/locking/lockdep.c: validate_chain() adds no dependency for a
// trylock acquisition; check_prevs_add() adds edges to the new lock from every
// trylock held above the nearest non-trylock held lock, and from that one).

class Trylock : public LockdepTest {};

TEST_F(Trylock, TrylockUnderALockAddsNoDependency) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  spin_lock(&a);
  ASSERT_EQ(spin_trylock(&b), 1);
  spin_unlock(&b);
  spin_unlock(&a);

  spin_lock(&b);
  spin_lock(&a);  // b -> a; there is no a -> b
  spin_unlock(&a);
  spin_unlock(&b);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(Trylock, LockUnderATrylockDependsOnIt) {
  struct mutex a, b;
  mutex_init(&a);
  mutex_init(&b);
  ASSERT_EQ(mutex_trylock(&a), 1);
  mutex_lock(&b);  // a -> b
  mutex_unlock(&b);
  mutex_unlock(&a);

  mutex_lock(&b);
  mutex_lock(&a);
  mutex_unlock(&a);
  mutex_unlock(&b);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(Trylock, DependenciesReachPastTrylocksToTheNearestLock) {
  static lock_class_key ka, kt, kc;
  FakeLock a(&ka, "try_A"), t(&kt, "try_T"), c(&kc, "try_C");
  a.Lock();
  t.TryLock();
  c.Lock();  // t -> c and a -> c
  c.Unlock();
  t.Unlock();
  a.Unlock();
  EXPECT_THAT(Kinds(), IsEmpty());

  c.Lock();
  a.Lock();  // closes a -> c
  a.Unlock();
  c.Unlock();
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_THAT(OnlyReport().classes, IsSupersetOf({"try_A", "try_C"}));
}

TEST_F(Trylock, TrylockOfAHeldClassIsNotRecursive) {
  spinlock_t s[2];
  for (spinlock_t& x : s) spin_lock_init(&x);
  spin_lock(&s[0]);
  ASSERT_EQ(spin_trylock(&s[1]), 1);
  spin_unlock(&s[1]);
  spin_unlock(&s[0]);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(Trylock, FailedTrylockIsNotTracked) {
  struct rw_semaphore sem;
  init_rwsem(&sem);
  down_write(&sem);
  EXPECT_EQ(down_read_trylock(&sem), 0);
  EXPECT_EQ(down_write_trylock(&sem), 0);
  up_write(&sem);
  EXPECT_FALSE(lockdep_is_held(&sem));
  ASSERT_EQ(down_read_trylock(&sem), 1);
  EXPECT_TRUE(lockdep_is_held_type(&sem, 1));
  up_read(&sem);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// Classes and keys

class Classes : public LockdepTest {};

TEST_F(Classes, NovalidateClassIsNeverOrderChecked) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  lockdep_set_novalidate_class(&b);
  spin_lock(&a);
  spin_lock(&b);
  spin_unlock(&b);
  spin_unlock(&a);
  spin_lock(&b);
  spin_lock(&a);
  EXPECT_TRUE(lockdep_is_held(&b));  // still tracked as held
  lockdep_assert_held(&b);
  spin_unlock(&a);
  spin_unlock(&b);

  struct mutex m[2];
  for (struct mutex& x : m) {
    mutex_init(&x);
    lockdep_set_novalidate_class(&x);
  }
  mutex_lock(&m[0]);
  mutex_lock(&m[1]);  // one class, but never validated
  mutex_unlock(&m[1]);
  mutex_unlock(&m[0]);
  EXPECT_THAT(Kinds(), IsEmpty());
}

lock_class_key g_merged_key;

TEST_F(Classes, SetClassMergesTwoLocksIntoOneClass) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  lockdep_set_class(&a, &g_merged_key);
  lockdep_set_class(&b, &g_merged_key);
  spin_lock(&a);
  spin_lock(&b);  // the class is already held: recursive
  spin_unlock(&b);
  spin_unlock(&a);
  spin_lock(&b);
  spin_lock(&a);  // one class: the same problem again, not a cycle
  spin_unlock(&a);
  spin_unlock(&b);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kRecursiveLocking));
  EXPECT_THAT(OnlyReport().classes, Contains("&g_merged_key"));
}

TEST_F(Classes, SetSubclassMakesNestingOfOneClassValid) {
  spinlock_t s[2];
  for (spinlock_t& x : s) spin_lock_init(&x);
  lockdep_set_subclass(&s[1], 1);
  spin_lock(&s[0]);
  spin_lock(&s[1]);
  spin_unlock(&s[1]);
  spin_unlock(&s[0]);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(Classes, OrderBetweenSubclassesIsChecked) {
  spinlock_t s[2];
  for (spinlock_t& x : s) spin_lock_init(&x);
  lockdep_set_subclass(&s[1], 1);
  spin_lock(&s[0]);
  spin_lock(&s[1]);
  spin_unlock(&s[1]);
  spin_unlock(&s[0]);
  spin_lock(&s[1]);
  spin_lock(&s[0]);
  spin_unlock(&s[0]);
  spin_unlock(&s[1]);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(Classes, RegisteredHeapKeyIsAClassLikeAnyOther) {
  auto key = std::make_unique<lock_class_key>();
  lockdep_register_key(key.get());
  static lock_class_key static_key;
  {
    FakeLock a(key.get(), "heap_A");
    FakeLock b(&static_key, "static_B");
    a.Lock();
    b.Lock();
    b.Unlock();
    a.Unlock();
    EXPECT_THAT(Kinds(), IsEmpty());
    b.Lock();
    a.Lock();
    a.Unlock();
    b.Unlock();
  }
  lockdep_unregister_key(key.get());
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_THAT(OnlyReport().classes, IsSupersetOf({"heap_A", "static_B"}));
}

TEST_F(Classes, UnregisteredHeapKeyIsReported) {
  auto key = std::make_unique<lock_class_key>();
  FakeLock a(key.get(), "unregistered_key");
  a.Lock();
  a.Unlock();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kUninitializedLock));
}

TEST_F(Classes, UnregisterKeyForgetsItsDependencies) {
  auto key = std::make_unique<lock_class_key>();
  lockdep_register_key(key.get());
  static lock_class_key static_key;
  FakeLock a(key.get(), "heap_A");
  FakeLock b(&static_key, "static_B");
  a.Lock();
  b.Lock();  // heap_A -> static_B
  b.Unlock();
  a.Unlock();

  lockdep_unregister_key(key.get());
  lockdep_register_key(key.get());
  a.Init(key.get(), "heap_A");
  b.Lock();
  a.Lock();  // static_B -> heap_A: the old edge is gone
  a.Unlock();
  b.Unlock();
  lockdep_unregister_key(key.get());
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// Dependencies: might_lock, threads, out-of-order release, lockdep_off

class Dependencies : public LockdepTest {};

TEST_F(Dependencies, MightLockAddsTheDependency) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  spin_lock(&a);
  might_lock(&b);  // a -> b, without taking b
  EXPECT_FALSE(lockdep_is_held(&b));
  EXPECT_EQ(spin_is_locked(&b), 0);
  spin_unlock(&a);
  EXPECT_THAT(Kinds(), IsEmpty());

  spin_lock(&b);
  spin_lock(&a);
  spin_unlock(&a);
  spin_unlock(&b);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(Dependencies, AbbaAcrossTwoThreadsNeverAtTheSameTime) {
  struct mutex a, b;
  mutex_init(&a);
  mutex_init(&b);
  RunOnThread([&] {
    mutex_lock(&a);
    mutex_lock(&b);
    mutex_unlock(&b);
    mutex_unlock(&a);
  });
  EXPECT_THAT(Kinds(), IsEmpty());
  const long second = RunOnThread([&] {
    mutex_lock(&b);
    mutex_lock(&a);
    mutex_unlock(&a);
    mutex_unlock(&b);
  });
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_EQ(OnlyReport().tid, second);
}

// Releasing a lock from the middle of the held stack keeps the others held,
// in order, so the next acquisition depends on the right (topmost) lock.
TEST_F(Dependencies, OutOfOrderReleaseKeepsTheRightLocksHeld) {
  static lock_class_key ka, kb, kc, kd;
  FakeLock a(&ka, "ooo_A"), b(&kb, "ooo_B"), c(&kc, "ooo_C"), d(&kd, "ooo_D");
  a.Lock();
  b.Lock();
  c.Lock();
  b.Unlock();  // out of order
  EXPECT_TRUE(a.IsHeld());
  EXPECT_FALSE(b.IsHeld());
  EXPECT_TRUE(c.IsHeld());
  d.Lock();  // under c: ooo_C -> ooo_D
  d.Unlock();
  c.Unlock();
  a.Unlock();
  EXPECT_FALSE(a.IsHeld());
  EXPECT_FALSE(c.IsHeld());
  b.Lock();  // nothing stale is left of b's first hold
  b.Unlock();
  EXPECT_THAT(Kinds(), IsEmpty());

  d.Lock();
  c.Lock();  // closes ooo_C -> ooo_D
  c.Unlock();
  d.Unlock();
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_THAT(OnlyReport().classes, IsSupersetOf({"ooo_C", "ooo_D"}));
}

TEST_F(Dependencies, LockdepOffHidesTheThread) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  lockdep_off();
  spin_lock(&a);
  spin_lock(&b);
  spin_unlock(&b);
  spin_unlock(&a);
  lockdep_on();
  spin_lock(&b);
  spin_lock(&a);
  spin_unlock(&a);
  spin_unlock(&b);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// ===========================================================================
// Limits and de-duplication

class Limits : public LockdepTest {};

constexpr int kMaxLockDepth = 48;  // Linux's MAX_LOCK_DEPTH

lock_class_key g_depth_keys[kMaxLockDepth + 1];
char g_depth_names[kMaxLockDepth + 1][24];

// `n` locks of `n` distinct classes.
std::vector<std::unique_ptr<FakeLock>> DistinctLocks(int n) {
  std::vector<std::unique_ptr<FakeLock>> locks;
  for (int i = 0; i < n; ++i) {
    std::snprintf(g_depth_names[i], sizeof(g_depth_names[i]), "depth_%02d", i);
    locks.push_back(
        std::make_unique<FakeLock>(&g_depth_keys[i], g_depth_names[i]));
  }
  return locks;
}

TEST_F(Limits, HoldingTheMaximumDepthIsFine) {
  auto locks = DistinctLocks(kMaxLockDepth);
  for (auto& l : locks) l->Lock();
  EXPECT_TRUE(locks.back()->IsHeld());
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) (*it)->Unlock();
  EXPECT_THAT(Kinds(), IsEmpty());
  EXPECT_TRUE(lockdep::ValidationEnabled());
}

TEST_F(Limits, DepthLimitTurnsValidationOff) {
  auto locks = DistinctLocks(kMaxLockDepth + 1);
  lockdep::SetReportPrintFilter(nullptr);  // this test reads what is printed
  ::testing::internal::CaptureStderr();
  for (auto& l : locks) l->Lock();
  const std::string printed = ::testing::internal::GetCapturedStderr();
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kLimitReached));
  EXPECT_THAT(printed, HasSubstr(OnlyReport().title));
  EXPECT_THAT(OnlyReport().title, HasSubstr("too low"));
  EXPECT_FALSE(lockdep::ValidationEnabled());
  for (auto it = locks.rbegin(); it != locks.rend(); ++it) (*it)->Unlock();

  // Off: nothing is validated and the asserts always pass.
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  spin_lock(&a);
  spin_lock(&b);
  spin_unlock(&b);
  spin_unlock(&a);
  spin_lock(&b);
  spin_lock(&a);
  spin_unlock(&a);
  spin_unlock(&b);
  EXPECT_TRUE(lockdep_is_held(&a));
  lockdep_assert_held(&a);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kLimitReached));

  lockdep::ResetForTesting();
  EXPECT_TRUE(lockdep::ValidationEnabled());
  EXPECT_FALSE(lockdep_is_held(&a));
}

class Deduplication : public LockdepTest {
 protected:
  static void Abba(spinlock_t* a, spinlock_t* b) {
    spin_lock(a);
    spin_lock(b);
    spin_unlock(b);
    spin_unlock(a);
    spin_lock(b);
    spin_lock(a);
    spin_unlock(a);
    spin_unlock(b);
  }
};

TEST_F(Deduplication, SameProblemIsReportedOnce) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  Abba(&a, &b);
  Abba(&a, &b);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_EQ(lockdep::ReportCount(), 1u);
}

TEST_F(Deduplication, DistinctProblemsAreEachReported) {
  spinlock_t a, b, c, d;
  spin_lock_init(&a);
  spin_lock_init(&b);
  spin_lock_init(&c);
  spin_lock_init(&d);
  Abba(&a, &b);
  Abba(&c, &d);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency,
                                   ReportKind::kCircularDependency));
}

TEST_F(Deduplication, ClearReportsKeepsDeduplication) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  Abba(&a, &b);
  EXPECT_EQ(lockdep::ReportCount(), 1u);
  lockdep::ClearReports();
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  Abba(&a, &b);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(Deduplication, ResetForTestingForgetsEverything) {
  spinlock_t a, b;
  spin_lock_init(&a);
  spin_lock_init(&b);
  Abba(&a, &b);
  lockdep::ResetForTesting();
  EXPECT_THAT(Kinds(), IsEmpty());
  spin_lock(&b);  // the old a -> b is forgotten too
  spin_lock(&a);
  spin_unlock(&a);
  spin_unlock(&b);
  EXPECT_THAT(Kinds(), IsEmpty());
  spin_lock(&a);
  spin_lock(&b);
  spin_unlock(&b);
  spin_unlock(&a);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

}  // namespace
