// Deadlocks the validator once stayed silent about. Linux's selftests reset
// the graph between cases and stop at the first report, so none of them meets
// these; each test here failed before its fix (a missed report is the worst
// thing a lock checker can do).
#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class MissedDeadlockTest : public lockdep_test::LockdepTest {};

// Four spinlocks of four classes, created in a fixed order so that class ids
// after ResetForTesting() are 1, 2, 3, 4 (first use registers the class).
struct FourLocks {
  spinlock_t d, s, a, y;
  FourLocks() {
    spin_lock_init(&d);
    spin_lock_init(&s);
    spin_lock_init(&a);
    spin_lock_init(&y);
  }
};

// Chain keys of different contexts must not collide. With contexts seeded by
// their number and class ids XORed in, "s first in softirq" (s = id 2, seed
// 1) hashed like "a first in process context" (a = id 3, seed 0), so the
// tasklet's chain s, y hid process context's chain a, y: the edge a -> y was
// never learnt, and the ABBA between a and y went unreported.
TEST_F(MissedDeadlockTest, ChainsOfDifferentContextsDoNotHideEachOther) {
  FourLocks l;
  // Register the classes in id order: d=1, s=2, a=3, y=4.
  for (spinlock_t* lock : {&l.d, &l.s, &l.a, &l.y}) {
    spin_lock_bh(lock);
    spin_unlock_bh(lock);
  }
  lockdep_softirq_enter(LOCKDEP_THIS_IP);  // a tasklet: s then y
  spin_lock(&l.s);
  spin_lock(&l.y);
  spin_unlock(&l.y);
  spin_unlock(&l.s);
  lockdep_softirq_exit(LOCKDEP_THIS_IP);

  spin_lock_bh(&l.a);  // process context: a then y ...
  spin_lock(&l.y);
  spin_unlock(&l.y);
  spin_unlock_bh(&l.a);
  spin_lock_bh(&l.y);  // ... and later y then a
  spin_lock(&l.a);
  spin_unlock(&l.a);
  spin_unlock_bh(&l.y);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

// The same chain of classes in two contexts is validated once per context: a
// dependency learnt in the tasklet does not stand in for process context's.
TEST_F(MissedDeadlockTest, SameClassesInTwoContextsBothCounted) {
  FourLocks l;
  lockdep_softirq_enter(LOCKDEP_THIS_IP);
  spin_lock(&l.a);
  spin_lock(&l.y);
  spin_unlock(&l.y);
  spin_unlock(&l.a);
  lockdep_softirq_exit(LOCKDEP_THIS_IP);
  spin_lock_bh(&l.y);
  spin_lock(&l.a);
  spin_unlock(&l.a);
  spin_unlock_bh(&l.y);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

// lockdep_set_novalidate_class() moves the lock into a class of its own (as
// Linux's __lockdep_no_validate__). When it only flagged the map, the chain
// "L1 (unvalidated), B" was cached under L1's class and then stood in for the
// same chain through L2, a normal lock of that class: L2 -> B was never
// learnt, and B -> L2 closed no cycle.
TEST_F(MissedDeadlockTest, NovalidateDoesNotLeakIntoItsOldClass) {
  struct mutex locks[2];
  for (struct mutex& m : locks) mutex_init(&m);  // one class: one init site
  struct mutex& l1 = locks[0];
  struct mutex& l2 = locks[1];
  static DEFINE_MUTEX(b);
  lockdep_set_novalidate_class(&l1);

  mutex_lock(&l1);  // unvalidated: no dependency, but a chain was cached
  mutex_lock(&b);
  mutex_unlock(&b);
  mutex_unlock(&l1);
  EXPECT_THAT(Kinds(), IsEmpty());

  mutex_lock(&l2);  // the same chain through a validated lock of the class
  mutex_lock(&b);
  mutex_unlock(&b);
  mutex_unlock(&l2);
  mutex_lock(&b);
  mutex_lock(&l2);
  mutex_unlock(&l2);
  mutex_unlock(&b);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

// The unvalidated lock itself still adds nothing, in either order.
TEST_F(MissedDeadlockTest, NovalidateLockStaysUnvalidated) {
  static DEFINE_MUTEX(a);
  static DEFINE_MUTEX(b);
  lockdep_set_novalidate_class(&a);
  mutex_lock(&a);
  mutex_lock(&b);
  mutex_unlock(&b);
  mutex_unlock(&a);
  mutex_lock(&b);
  mutex_lock(&a);
  EXPECT_TRUE(lockdep_is_held(&a));  // still tracked for the asserts
  mutex_unlock(&a);
  mutex_unlock(&b);
  EXPECT_THAT(Kinds(), IsEmpty());
}

// A dependency that was reported is still learnt: this runtime goes on after
// a report, so the graph must hold every order it saw. a->b, b->a (reported),
// a->c, then c->b closes the distinct cycle b -> a -> c -> b.
TEST_F(MissedDeadlockTest, ReportedDependencyIsStillLearnt) {
  static DEFINE_SPINLOCK(a);
  static DEFINE_SPINLOCK(b);
  static DEFINE_SPINLOCK(c);
  auto pair = [](spinlock_t* first, spinlock_t* second) {
    spin_lock(first);
    spin_lock(second);
    spin_unlock(second);
    spin_unlock(first);
  };
  pair(&a, &b);
  pair(&b, &a);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  pair(&a, &c);
  pair(&c, &b);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency,
                                   ReportKind::kCircularDependency));
}

// The same after a safe -> unsafe irq report: the edge stays in the graph.
TEST_F(MissedDeadlockTest, IrqOrderReportedDependencyIsStillLearnt) {
  static DEFINE_SPINLOCK(safe);
  static DEFINE_SPINLOCK(unsafe);
  static DEFINE_SPINLOCK(c);
  irq_enter();  // safe is HARDIRQ-safe
  spin_lock(&safe);
  spin_unlock(&safe);
  irq_exit();
  spin_lock(&unsafe);  // unsafe is HARDIRQ-unsafe
  spin_unlock(&unsafe);
  spin_lock_irq(&safe);  // safe -> unsafe: reported
  spin_lock(&unsafe);
  spin_unlock(&unsafe);
  spin_unlock_irq(&safe);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kIrqSafeToUnsafe));
  spin_lock(&unsafe);  // unsafe -> c, then c -> safe: safe -> unsafe -> c -> safe
  spin_lock(&c);
  spin_unlock(&c);
  spin_unlock(&unsafe);
  spin_lock_irq(&c);
  spin_lock(&safe);
  spin_unlock(&safe);
  spin_unlock_irq(&c);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kCircularDependency));
}

// After a recursion report the other held locks still teach their
// dependencies: X1, A held, X2 of X's class taken: A -> X is learnt (and is
// itself an inversion of X -> A).
TEST_F(MissedDeadlockTest, RecursionReportStillLearnsFromOtherHeldLocks) {
  spinlock_t x[2];
  for (spinlock_t& l : x) spin_lock_init(&l);
  static DEFINE_SPINLOCK(a);
  static DEFINE_SPINLOCK(z);
  spin_lock(&x[0]);
  spin_lock(&a);
  spin_lock(&x[1]);  // recursion on X's class
  spin_unlock(&x[1]);
  spin_unlock(&a);
  spin_unlock(&x[0]);
  ASSERT_THAT(Kinds(), Contains(ReportKind::kRecursiveLocking));
  lockdep::ClearReports();
  // z -> a now, then x -> z: only A -> X (learnt under the recursion) closes
  // x -> z -> a -> x.
  spin_lock(&z);
  spin_lock(&a);
  spin_unlock(&a);
  spin_unlock(&z);
  spin_lock(&x[0]);
  spin_lock(&z);
  spin_unlock(&z);
  spin_unlock(&x[0]);
  EXPECT_THAT(Kinds(), Contains(ReportKind::kCircularDependency));
}

// A subclass out of range (>= 8) is Linux's "BUG: looking up invalid
// subclass": one line, validation off, and no bogus second report when the
// lock is released.
TEST_F(MissedDeadlockTest, SubclassOutOfRangeIsOneBugLine) {
  static DEFINE_SPINLOCK(l);
  spin_lock_nested(&l, 9);
  spin_unlock(&l);
  std::vector<lockdep::Report> reports = lockdep::CollectedReports();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kind, ReportKind::kLimitReached);
  EXPECT_EQ(reports[0].title, "BUG: looking up invalid subclass: 9");
  EXPECT_FALSE(lockdep::ValidationEnabled());
}

}  // namespace
