// The irq-context families of Linux's lib/locking-selftest.c, with the
// outcome the kernel expects for spinlocks (spin), rwlock writers (wlock) and
// rwlock readers (rlock), in hard-irq and soft-irq flavours, for every
// permutation of the events:
//
//   DO_TESTCASE_2x6("irqs-on + irq-safe-A", irqsafe1)        spin F wlock F rlock S
//   DO_TESTCASE_2x3("sirq-safe-A => hirqs-on", irqsafe2A)    spin F wlock F rlock S
//   DO_TESTCASE_2x6("safe-A + irqs-on", irqsafe2B)           spin F wlock F rlock S
//   DO_TESTCASE_6x6("safe-A + unsafe-B #1", irqsafe3)        spin F wlock F rlock S
//   DO_TESTCASE_6x6("safe-A + unsafe-B #2", irqsafe4)        spin F wlock F rlock S
//   DO_TESTCASE_6x6RW("irq lock-inversion", irq_inversion)   spin F wlock F rlock S
//   DO_TESTCASE_6x2x2RW("irq read-recursion", ...)  #1 #2 #3        wlock F rlock S
//   "hardirq_unsafe_softirq_safe"                            FAILURE
//
// Linux stops at its first report (debug_locks = 0); this runtime goes on, so
// a FAILURE case may show a second, equally true, report (e.g. the safe ->
// unsafe edge a cycle of events also adds). The test checks what Linux
// checks -- report or not -- plus which report comes first, worked out from
// the order in which lockdep.c's mark_lock() and check_irq_usage() see the
// events (comments at each family), and that every report is an irq report.
//
// Every case runs the real primitives on one thread; nothing can block: no
// lock is ever taken while held.
#include <functional>
#include <string>
#include <vector>

#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

// As Linux's locking_selftest(), which sets force_read_lock_recursive around
// these groups: read_lock() is a recursive reader here. The queued-rwlock
// group (queued_rwlock_test.cc) runs without it.
const bool kReadLockForcedRecursive = [] {
  force_read_lock_recursive = true;
  return true;
}();

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;

constexpr ReportKind kInconsistent = ReportKind::kInconsistentLockState;
constexpr ReportKind kSafeUnsafe = ReportKind::kIrqSafeToUnsafe;
constexpr ReportKind kInversion = ReportKind::kIrqInversion;

// The selftests' LOCK type of a column.
enum Column { kSpin, kWlock, kRlock };
const char* const kColumnNames[] = {"spin", "wlock", "rlock"};
// Which irq: locking-selftest-hardirq.h or -softirq.h.
enum Irq { kHard, kSoft };
const char* const kIrqNames[] = {"hard", "soft"};

enum LockId { A, B, C, D };

// The locks of one case, fresh classes each time (the fixture resets).
class Locks {
 public:
  explicit Locks(Column column, Irq irq) : column_(column), irq_(irq) {
    for (spinlock_t& l : spin_) spin_lock_init(&l);
    for (rwlock_t& l : rw_) rwlock_init(&l);
    // Name each lock after its letter, so reports read like the selftests.
    static lock_class_key spin_keys[4], rw_keys[4];
    static const char* const kSpinNames[] = {"lock_A", "lock_B", "lock_C", "lock_D"};
    static const char* const kRwNames[] = {"rwlock_A", "rwlock_B", "rwlock_C", "rwlock_D"};
    for (int i = 0; i < 4; ++i) {
      lockdep_set_class_and_name(&spin_[i], &spin_keys[i], kSpinNames[i]);
      lockdep_set_class_and_name(&rw_[i], &rw_keys[i], kRwNames[i]);
    }
    mutex_init(&mutex_a_);
  }

  // LOCK(x)/UNLOCK(x): the column's lock type.
  void LOCK(LockId x) {
    switch (column_) {
      case kSpin: spin_lock(&spin_[x]); break;
      case kWlock: write_lock(&rw_[x]); break;
      case kRlock: read_lock(&rw_[x]); break;
    }
  }
  void UNLOCK(LockId x) {
    switch (column_) {
      case kSpin: spin_unlock(&spin_[x]); break;
      case kWlock: write_unlock(&rw_[x]); break;
      case kRlock: read_unlock(&rw_[x]); break;
    }
  }
  // L/U: spinlocks; WL/WU, RL/RU: rwlocks, whatever the column.
  void L(LockId x) { spin_lock(&spin_[x]); }
  void U(LockId x) { spin_unlock(&spin_[x]); }
  void WL(LockId x) { write_lock(&rw_[x]); }
  void WU(LockId x) { write_unlock(&rw_[x]); }
  void RL(LockId x) { read_lock(&rw_[x]); }
  void RU(LockId x) { read_unlock(&rw_[x]); }
  void ML() { mutex_lock(&mutex_a_); }
  void MU() { mutex_unlock(&mutex_a_); }

  // IRQ_DISABLE/ENABLE/ENTER/EXIT of the irq flavour.
  void IRQ_DISABLE() { irq_ == kHard ? HARDIRQ_DISABLE() : SOFTIRQ_DISABLE(); }
  void IRQ_ENABLE() { irq_ == kHard ? HARDIRQ_ENABLE() : SOFTIRQ_ENABLE(); }
  void IRQ_ENTER() { irq_ == kHard ? HARDIRQ_ENTER() : SOFTIRQ_ENTER(); }
  void IRQ_EXIT() { irq_ == kHard ? HARDIRQ_EXIT() : SOFTIRQ_EXIT(); }

  static void HARDIRQ_DISABLE() { local_irq_disable(); }
  static void HARDIRQ_ENABLE() { local_irq_enable(); }
  static void HARDIRQ_ENTER() {
    local_irq_disable();
    irq_enter();
    EXPECT_TRUE(in_irq());
  }
  static void HARDIRQ_EXIT() {
    irq_exit();
    local_irq_enable();
  }
  static void SOFTIRQ_DISABLE() { local_bh_disable(); }
  static void SOFTIRQ_ENABLE() { local_bh_enable(); }
  static void SOFTIRQ_ENTER() {
    local_bh_disable();
    local_irq_disable();
    lockdep_softirq_enter();
    EXPECT_TRUE(in_softirq());
  }
  static void SOFTIRQ_EXIT() {
    lockdep_softirq_exit();
    local_irq_enable();
    local_bh_enable();
  }

 private:
  Column column_;
  Irq irq_;
  spinlock_t spin_[4];
  rwlock_t rw_[4];
  struct mutex mutex_a_;
};

using Event = std::function<void(Locks&)>;

struct Family {
  const char* name;
  std::vector<Event> events;  // E1, E2[, E3]
  bool fails[3];              // per column: spin, wlock, rlock
  // The first report of a FAILURE, per permutation (index into Permutations()).
  std::vector<ReportKind> first;
  std::vector<Irq> irqs = {kHard, kSoft};
};

std::vector<std::vector<int>> Permutations(size_t n) {
  if (n == 2) return {{0, 1}, {1, 0}};
  return {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
}

std::string PermutationName(const std::vector<int>& p) {
  std::string s;
  for (int e : p) s += char('1' + e);
  return s;
}

// The inversion families' first reports (irqsafe4, irq_inversion,
// irq_read_recursion2/3): E1 adds the edge safe-lock -> unsafe-lock, E2 makes
// the unsafe lock irq-unsafe, E3 the safe lock irq-safe. The last of the
// three finds the conflict: a usage bit (E2 or E3 last, or E3 after the edge)
// is "possible irq lock inversion dependency detected" (mark_lock_irq's graph
// search); the edge last (231, 321) is "<IRQ>-safe -> <IRQ>-unsafe lock
// order detected" (check_irq_usage).
const std::vector<ReportKind> kInversionFirst = {
    kInversion, kInversion, kInversion, kSafeUnsafe, kInversion, kSafeUnsafe};

// clang-format off
std::vector<Family> Families() {
  const std::vector<ReportKind> inconsistent2(2, kInconsistent);
  const std::vector<ReportKind> inconsistent6(6, kInconsistent);
  return {
    // locking an irq-safe lock with irqs enabled: the second use of A is a
    // usage bit that conflicts with the first.
    {"irqsafe1",
     {[](Locks& l) { l.IRQ_ENTER(); l.LOCK(A); l.UNLOCK(A); l.IRQ_EXIT(); },
      [](Locks& l) { l.LOCK(A); l.UNLOCK(A); }},
     {true, true, false}, inconsistent2},
    // enabling hardirqs with a softirq-safe lock held: hardirqs_on marks A
    // SOFTIRQ-ON (softirqs are enabled), conflicting with IN-SOFTIRQ.
    {"irqsafe2A",
     {[](Locks& l) { Locks::SOFTIRQ_ENTER(); l.LOCK(A); l.UNLOCK(A); Locks::SOFTIRQ_EXIT(); },
      [](Locks& l) { Locks::HARDIRQ_DISABLE(); l.LOCK(A); Locks::HARDIRQ_ENABLE(); l.UNLOCK(A); }},
     {true, true, false}, inconsistent2, {kSoft}},
    // enabling irqs with an irq-safe lock held.
    {"irqsafe2B",
     {[](Locks& l) { l.IRQ_ENTER(); l.LOCK(A); l.UNLOCK(A); l.IRQ_EXIT(); },
      [](Locks& l) { l.IRQ_DISABLE(); l.LOCK(A); l.IRQ_ENABLE(); l.UNLOCK(A); }},
     {true, true, false}, inconsistent2},
    // acquiring an irq-unsafe lock while holding an irq-safe lock; E1 also
    // takes A with irqs on, so A's own usage conflicts first, in every order.
    {"irqsafe3",
     {[](Locks& l) { l.LOCK(A); l.LOCK(B); l.UNLOCK(B); l.UNLOCK(A); },
      [](Locks& l) { l.LOCK(B); l.UNLOCK(B); },
      [](Locks& l) { l.IRQ_ENTER(); l.LOCK(A); l.UNLOCK(A); l.IRQ_EXIT(); }},
     {true, true, false}, inconsistent6},
    // a lock turns irq-safe, but earlier it took an irq-unsafe lock.
    {"irqsafe4",
     {[](Locks& l) { l.IRQ_DISABLE(); l.LOCK(A); l.LOCK(B); l.UNLOCK(B); l.UNLOCK(A); l.IRQ_ENABLE(); },
      [](Locks& l) { l.LOCK(B); l.UNLOCK(B); },
      [](Locks& l) { l.IRQ_ENTER(); l.LOCK(A); l.UNLOCK(A); l.IRQ_EXIT(); }},
     {true, true, false}, kInversionFirst},
    // read-lock / write-lock irq inversion: A is read in the irq.
    {"irq_inversion",
     {[](Locks& l) { l.IRQ_DISABLE(); l.WL(A); l.LOCK(B); l.UNLOCK(B); l.WU(A); l.IRQ_ENABLE(); },
      [](Locks& l) { l.LOCK(B); l.UNLOCK(B); },
      [](Locks& l) { l.IRQ_ENTER(); l.RL(A); l.RU(A); l.IRQ_EXIT(); }},
     {true, true, false}, kInversionFirst},
    // read-lock / write-lock recursion that is actually safe (rlock); for
    // wlock, A written in the irq and read with irqs on is inconsistent.
    {"irq_read_recursion",
     {[](Locks& l) { l.IRQ_DISABLE(); l.WL(A); l.WU(A); l.IRQ_ENABLE(); },
      [](Locks& l) { l.RL(A); l.RU(A); },
      [](Locks& l) { l.IRQ_ENTER(); l.LOCK(A); l.L(B); l.U(B); l.UNLOCK(A); l.IRQ_EXIT(); }},
     {false, true, false}, inconsistent6},
    // read-lock / write-lock recursion that is unsafe (wlock): B irq-safe
    // -> A, and A read with irqs on.
    {"irq_read_recursion2",
     {[](Locks& l) { l.IRQ_DISABLE(); l.L(B); l.LOCK(A); l.UNLOCK(A); l.U(B); l.IRQ_ENABLE(); },
      [](Locks& l) { l.RL(A); l.RU(A); },
      [](Locks& l) { l.IRQ_ENTER(); l.L(B); l.U(B); l.IRQ_EXIT(); }},
     {false, true, false}, kInversionFirst},
    // A is ENABLED_*_READ, B is USED_IN_*_READ; B written -> A.
    {"irq_read_recursion3",
     {[](Locks& l) { l.IRQ_DISABLE(); l.WL(B); l.LOCK(A); l.UNLOCK(A); l.WU(B); l.IRQ_ENABLE(); },
      [](Locks& l) { l.RL(A); l.RU(A); },
      [](Locks& l) { l.IRQ_ENTER(); l.RL(B); l.RU(B); l.IRQ_EXIT(); }},
     {false, true, false}, kInversionFirst},
  };
}
// clang-format on

// Runs every column, irq flavour and permutation of `family`, each from an
// empty graph, and checks Linux's outcome.
void RunFamily(const Family& family, const std::vector<Column>& columns) {
  for (Column column : columns) {
    for (Irq irq : family.irqs) {
      const auto perms = Permutations(family.events.size());
      for (size_t p = 0; p < perms.size(); ++p) {
        const std::string name = std::string(family.name) + "_" + kIrqNames[irq] +
                                 "_" + kColumnNames[column] + "_" +
                                 PermutationName(perms[p]);
        SCOPED_TRACE(name);
        lockdep::ResetForTesting();
        {
          Locks locks(column, irq);
          for (int e : perms[p]) family.events[e](locks);
        }
        EXPECT_FALSE(irqs_disabled());
        EXPECT_FALSE(in_interrupt());
        const std::vector<ReportKind> kinds = Kinds();
        if (!family.fails[column]) {
          EXPECT_TRUE(kinds.empty()) << "SUCCESS expected, got " << kinds.size()
                                     << " report(s), first "
                                     << ::testing::PrintToString(kinds.empty() ? kInconsistent : kinds[0]);
          continue;
        }
        ASSERT_FALSE(kinds.empty()) << "FAILURE expected: no report";
        EXPECT_EQ(kinds[0], family.first[p]) << "first report";
        for (ReportKind k : kinds) {
          EXPECT_TRUE(k == kInconsistent || k == kSafeUnsafe || k == kInversion)
              << "not an irq report: " << ::testing::PrintToString(k);
        }
        lockdep_test::ExpectWellFormedTitles();
      }
    }
  }
}

class IrqSelftest : public lockdep_test::LockdepTest {};

const Family& Find(const std::string& name) {
  static const std::vector<Family> families = Families();
  for (const Family& f : families) {
    if (name == f.name) return f;
  }
  ADD_FAILURE() << name;
  return families[0];
}

const std::vector<Column> kAllColumns = {kSpin, kWlock, kRlock};
const std::vector<Column> kRwColumns = {kWlock, kRlock};  // DO_TESTCASE_*2RW

TEST_F(IrqSelftest, IrqsOnPlusIrqSafeA) { RunFamily(Find("irqsafe1"), kAllColumns); }
TEST_F(IrqSelftest, SirqSafeAThenHirqsOn) { RunFamily(Find("irqsafe2A"), kAllColumns); }
TEST_F(IrqSelftest, SafeAPlusIrqsOn) { RunFamily(Find("irqsafe2B"), kAllColumns); }
TEST_F(IrqSelftest, SafeAPlusUnsafeB1) { RunFamily(Find("irqsafe3"), kAllColumns); }
TEST_F(IrqSelftest, SafeAPlusUnsafeB2) { RunFamily(Find("irqsafe4"), kAllColumns); }
TEST_F(IrqSelftest, IrqLockInversion) { RunFamily(Find("irq_inversion"), kAllColumns); }
TEST_F(IrqSelftest, IrqReadRecursion) { RunFamily(Find("irq_read_recursion"), kRwColumns); }
TEST_F(IrqSelftest, IrqReadRecursion2) { RunFamily(Find("irq_read_recursion2"), kRwColumns); }
TEST_F(IrqSelftest, IrqReadRecursion3) { RunFamily(Find("irq_read_recursion3"), kRwColumns); }

// hardirq_deadlock_softirq_not_deadlock: lock_A -> lock_B -> lock_C ->
// lock_D is HARDIRQ-safe -> HARDIRQ-unsafe (a deadlock); mutex_A -> lock_C
// -> lock_D is SOFTIRQ-unsafe -> SOFTIRQ-safe (not one). Exactly one report.
TEST_F(IrqSelftest, HardirqUnsafeSoftirqSafe) {
  Locks l(kSpin, kHard);
  l.ML();  // mutex_A -> lock_C
  Locks::HARDIRQ_DISABLE();
  l.L(C);
  l.U(C);
  Locks::HARDIRQ_ENABLE();
  l.MU();

  Locks::HARDIRQ_ENTER();  // lock_A is hardirq-safe
  l.L(A);
  l.U(A);
  Locks::HARDIRQ_EXIT();

  Locks::HARDIRQ_DISABLE();  // lock_A -> lock_B
  l.L(A);
  l.L(B);
  l.U(B);
  l.U(A);
  Locks::HARDIRQ_ENABLE();

  Locks::HARDIRQ_DISABLE();  // lock_B -> lock_C
  l.L(B);
  l.L(C);
  l.U(C);
  l.U(B);
  Locks::HARDIRQ_ENABLE();

  Locks::SOFTIRQ_ENTER();  // lock_D is softirq-safe
  l.L(D);
  l.U(D);
  Locks::SOFTIRQ_EXIT();

  Locks::SOFTIRQ_DISABLE();  // and hardirq-unsafe
  l.L(D);
  l.U(D);
  Locks::SOFTIRQ_ENABLE();
  EXPECT_TRUE(Kinds().empty());

  Locks::HARDIRQ_DISABLE();  // lock_C -> lock_D
  l.L(C);
  l.L(D);
  l.U(D);
  l.U(C);
  Locks::HARDIRQ_ENABLE();
  ASSERT_THAT(Kinds(), ::testing::ElementsAre(kSafeUnsafe));
  const lockdep::Report r = lockdep_test::OnlyReport();
  EXPECT_THAT(r.title, ::testing::HasSubstr("HARDIRQ-safe -> HARDIRQ-unsafe lock order detected"));
}

// Near misses: the same locks used consistently are silent.
TEST_F(IrqSelftest, IrqSafeLockAlwaysTakenWithIrqsOffIsClean) {
  for (Irq irq : {kHard, kSoft}) {
    lockdep::ResetForTesting();
    Locks l(kSpin, irq);
    l.IRQ_ENTER();
    l.L(A);
    l.L(B);  // A -> B, both irq-safe
    l.U(B);
    l.U(A);
    l.IRQ_EXIT();
    l.IRQ_DISABLE();
    l.L(A);
    l.L(B);
    l.U(B);
    l.U(A);
    l.IRQ_ENABLE();
    l.IRQ_DISABLE();
    l.L(B);
    l.U(B);
    l.IRQ_ENABLE();
    EXPECT_TRUE(Kinds().empty()) << kIrqNames[irq];
  }
}

TEST_F(IrqSelftest, SoftirqSafeLockUnderSpinLockBhIsClean) {
  Locks l(kSpin, kSoft);
  Locks::SOFTIRQ_ENTER();
  l.L(A);
  l.U(A);
  Locks::SOFTIRQ_EXIT();
  Locks::SOFTIRQ_DISABLE();  // spin_lock_bh-style use in process context
  l.L(A);
  l.U(A);
  Locks::SOFTIRQ_ENABLE();
  EXPECT_TRUE(Kinds().empty());
}

}  // namespace
