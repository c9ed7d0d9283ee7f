// The simulated interrupt contexts of instrument/kernel/irq.h: the state
// functions through nesting, local_irq_save/restore flags, the _irq/_irqsave/
// _bh lock variants changing and restoring the state in the kernel's order,
// and lockdep_assert_irqs_disabled/enabled.
#include <string>

#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class IrqContextTest : public lockdep_test::LockdepTest {
 protected:
  // Every test must leave the thread in process context, irqs and bh on.
  void TearDown() override {
    EXPECT_FALSE(in_interrupt());
    EXPECT_FALSE(irqs_disabled());
    LockdepTest::TearDown();
  }
};

TEST_F(IrqContextTest, StartsInProcessContext) {
  EXPECT_FALSE(in_irq());
  EXPECT_FALSE(in_hardirq());
  EXPECT_FALSE(in_softirq());
  EXPECT_FALSE(in_serving_softirq());
  EXPECT_FALSE(in_interrupt());
  EXPECT_TRUE(in_task());
  EXPECT_FALSE(irqs_disabled());
}

// Linux's local_irq_disable/enable are not counted: one enable undoes any
// number of disables. Nesting is what save/restore is for.
TEST_F(IrqContextTest, IrqDisableIsNotCounted) {
  local_irq_disable();
  local_irq_disable();
  EXPECT_TRUE(irqs_disabled());
  EXPECT_FALSE(in_interrupt());  // irqs off is not an interrupt context
  local_irq_enable();
  EXPECT_FALSE(irqs_disabled());
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(IrqContextTest, SaveRestoreNests) {
  unsigned long outer, inner;
  local_irq_save(outer);
  EXPECT_FALSE(irqs_disabled_flags(outer));
  EXPECT_TRUE(irqs_disabled());
  local_irq_save(inner);
  EXPECT_TRUE(irqs_disabled_flags(inner));
  local_irq_restore(inner);
  EXPECT_TRUE(irqs_disabled()) << "restoring the inner flags keeps irqs off";
  local_irq_restore(outer);
  EXPECT_FALSE(irqs_disabled());
  EXPECT_THAT(Kinds(), IsEmpty());
}

// in_softirq() is Linux's softirq_count(): bh disabled counts, not only a
// running softirq (that is in_serving_softirq()).
TEST_F(IrqContextTest, BhDisableNestsAndCountsAsSoftirq) {
  local_bh_disable();
  local_bh_disable();
  EXPECT_TRUE(in_softirq());
  EXPECT_TRUE(in_interrupt());
  EXPECT_FALSE(in_serving_softirq());
  EXPECT_FALSE(irqs_disabled());
  local_bh_enable();
  EXPECT_TRUE(in_softirq()) << "one enable of two disables";
  local_bh_enable();
  EXPECT_FALSE(in_softirq());
}

TEST_F(IrqContextTest, HardirqNestsAndRestoresIrqState) {
  irq_enter();
  EXPECT_TRUE(in_irq());
  EXPECT_TRUE(in_interrupt());
  EXPECT_FALSE(in_task());
  EXPECT_TRUE(irqs_disabled()) << "handlers run with irqs off";
  irq_enter();  // a nested handler
  EXPECT_TRUE(in_irq());
  irq_exit();
  EXPECT_TRUE(in_irq());
  EXPECT_TRUE(irqs_disabled()) << "back in the outer handler";
  irq_exit();
  EXPECT_FALSE(in_irq());
  EXPECT_FALSE(irqs_disabled()) << "irq_exit restores the state before";

  local_irq_disable();
  irq_enter();
  irq_exit();
  EXPECT_TRUE(irqs_disabled()) << "irqs were off before irq_enter";
  local_irq_enable();
}

TEST_F(IrqContextTest, SoftirqEnterExit) {
  local_bh_disable();  // as __do_softirq
  lockdep_softirq_enter();
  EXPECT_TRUE(in_serving_softirq());
  EXPECT_TRUE(in_softirq());
  EXPECT_TRUE(in_interrupt());
  EXPECT_FALSE(in_irq());
  irq_enter();  // a hard irq interrupting the softirq
  EXPECT_TRUE(in_irq());
  EXPECT_TRUE(in_serving_softirq());
  irq_exit();
  lockdep_softirq_exit();
  EXPECT_FALSE(in_serving_softirq());
  EXPECT_TRUE(in_softirq()) << "bh still disabled";
  local_bh_enable();
}

// One row per lock variant: take, look at the state, release, look again.
struct VariantCase {
  const char* name;
  void (*lock)(spinlock_t*, rwlock_t*, unsigned long*);
  void (*unlock)(spinlock_t*, rwlock_t*, unsigned long*);
  bool irqs_off_inside;
  bool bh_off_inside;
};

// clang-format off
const VariantCase kVariants[] = {
  {"spin_irq",
   [](spinlock_t* s, rwlock_t*, unsigned long*) { spin_lock_irq(s); },
   [](spinlock_t* s, rwlock_t*, unsigned long*) { spin_unlock_irq(s); }, true, false},
  {"spin_irqsave",
   [](spinlock_t* s, rwlock_t*, unsigned long* f) { spin_lock_irqsave(s, *f); },
   [](spinlock_t* s, rwlock_t*, unsigned long* f) { spin_unlock_irqrestore(s, *f); }, true, false},
  {"spin_bh",
   [](spinlock_t* s, rwlock_t*, unsigned long*) { spin_lock_bh(s); },
   [](spinlock_t* s, rwlock_t*, unsigned long*) { spin_unlock_bh(s); }, false, true},
  {"read_irq",
   [](spinlock_t*, rwlock_t* r, unsigned long*) { read_lock_irq(r); },
   [](spinlock_t*, rwlock_t* r, unsigned long*) { read_unlock_irq(r); }, true, false},
  {"read_irqsave",
   [](spinlock_t*, rwlock_t* r, unsigned long* f) { read_lock_irqsave(r, *f); },
   [](spinlock_t*, rwlock_t* r, unsigned long* f) { read_unlock_irqrestore(r, *f); }, true, false},
  {"read_bh",
   [](spinlock_t*, rwlock_t* r, unsigned long*) { read_lock_bh(r); },
   [](spinlock_t*, rwlock_t* r, unsigned long*) { read_unlock_bh(r); }, false, true},
  {"write_irq",
   [](spinlock_t*, rwlock_t* r, unsigned long*) { write_lock_irq(r); },
   [](spinlock_t*, rwlock_t* r, unsigned long*) { write_unlock_irq(r); }, true, false},
  {"write_irqsave",
   [](spinlock_t*, rwlock_t* r, unsigned long* f) { write_lock_irqsave(r, *f); },
   [](spinlock_t*, rwlock_t* r, unsigned long* f) { write_unlock_irqrestore(r, *f); }, true, false},
  {"write_bh",
   [](spinlock_t*, rwlock_t* r, unsigned long*) { write_lock_bh(r); },
   [](spinlock_t*, rwlock_t* r, unsigned long*) { write_unlock_bh(r); }, false, true},
};
// clang-format on

TEST_F(IrqContextTest, LockVariantsChangeAndRestoreTheContext) {
  spinlock_t spin;
  rwlock_t rw;
  spin_lock_init(&spin);
  rwlock_init(&rw);
  for (const VariantCase& v : kVariants) {
    SCOPED_TRACE(v.name);
    unsigned long flags = 0;
    v.lock(&spin, &rw, &flags);
    EXPECT_EQ(irqs_disabled() != 0, v.irqs_off_inside);
    EXPECT_EQ(in_softirq() != 0, v.bh_off_inside);
    EXPECT_TRUE(lockdep_is_held(&spin) || lockdep_is_held(&rw));
    v.unlock(&spin, &rw, &flags);
    EXPECT_FALSE(irqs_disabled());
    EXPECT_FALSE(in_softirq());
    EXPECT_FALSE(lockdep_is_held(&spin) || lockdep_is_held(&rw));

    // Inside an irqs-off region, _irqsave/_irqrestore keep irqs off.
    local_irq_disable();
    v.lock(&spin, &rw, &flags);
    EXPECT_TRUE(irqs_disabled());
    if (std::string(v.name).find("irqsave") != std::string::npos) {
      v.unlock(&spin, &rw, &flags);
      EXPECT_TRUE(irqs_disabled()) << "irqrestore restores 'disabled'";
    } else {
      v.unlock(&spin, &rw, &flags);
    }
    local_irq_enable();
  }
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(IrqContextTest, IrqsaveFlagsRecordThePreviousState) {
  spinlock_t spin;
  spin_lock_init(&spin);
  unsigned long flags;
  spin_lock_irqsave(&spin, flags);
  EXPECT_FALSE(irqs_disabled_flags(flags));
  spin_unlock_irqrestore(&spin, flags);

  local_irq_disable();
  spin_lock_irqsave(&spin, flags);
  EXPECT_TRUE(irqs_disabled_flags(flags));
  spin_unlock_irqrestore(&spin, flags);
  local_irq_enable();
}

TEST_F(IrqContextTest, AssertIrqsDisabled) {
  local_irq_disable();
  lockdep_assert_irqs_disabled();  // holds
  local_irq_enable();
  EXPECT_THAT(Kinds(), IsEmpty());
  lockdep_assert_irqs_disabled();  // fails
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kIrqAssertFailed));
}

TEST_F(IrqContextTest, AssertIrqsEnabled) {
  lockdep_assert_irqs_enabled();  // holds
  irq_enter();
  EXPECT_THAT(Kinds(), IsEmpty());
  lockdep_assert_irqs_enabled();  // fails: a handler runs with irqs off
  irq_exit();
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kIrqAssertFailed));
}

}  // namespace
