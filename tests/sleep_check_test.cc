// might_sleep() in every sleeping primitive: "sleeping function called from
// invalid context" with a spinning lock held, with irqs or bottom halves
// disabled, in hard or soft interrupt context; silent in plain process
// context and under sleeping locks. Every sleeper here cannot block: its lock
// or unit is free, its completion already completed.
#include <string>
#include <vector>

#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::lockdep_test::OnlyReport;
using ::testing::Combine;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Values;

struct Resources {
  spinlock_t spin;
  rwlock_t rw;
  struct mutex outer;  // a sleeping lock: holding it allows sleeping
  struct mutex m;
  struct rw_semaphore sem;
  struct semaphore s;
  struct completion done;
  Resources() {
    spin_lock_init(&spin);
    rwlock_init(&rw);
    mutex_init(&outer);
    mutex_init(&m);
    init_rwsem(&sem);
    sema_init(&s, 1);
    init_completion(&done);
  }
};

// A sleeping call that cannot block here, and its undo.
struct Sleeper {
  const char* name;
  void (*run)(Resources*);
};

// clang-format off
const Sleeper kSleepers[] = {
  {"mutex_lock", [](Resources* r) { mutex_lock(&r->m); mutex_unlock(&r->m); }},
  {"mutex_lock_nested", [](Resources* r) { mutex_lock_nested(&r->m, 1); mutex_unlock(&r->m); }},
  {"mutex_lock_interruptible", [](Resources* r) {
     if (mutex_lock_interruptible(&r->m) == 0) mutex_unlock(&r->m); }},
  {"down_read", [](Resources* r) { down_read(&r->sem); up_read(&r->sem); }},
  {"down_write", [](Resources* r) { down_write(&r->sem); up_write(&r->sem); }},
  {"down", [](Resources* r) { down(&r->s); up(&r->s); }},
  {"wait_for_completion", [](Resources* r) { complete(&r->done); wait_for_completion(&r->done); }},
  {"wait_for_completion_timeout", [](Resources* r) {
     complete(&r->done); wait_for_completion_timeout(&r->done, 1000); }},
  {"msleep", [](Resources*) { msleep(1); }},
  {"might_sleep", [](Resources*) { might_sleep(); }},
};
// clang-format on

// An atomic context to sleep in, and whether Linux reports sleeping there.
struct Context {
  const char* name;
  void (*enter)(Resources*, unsigned long*);
  void (*leave)(Resources*, unsigned long*);
  bool reported;
};

// clang-format off
const Context kContexts[] = {
  {"process", [](Resources*, unsigned long*) {}, [](Resources*, unsigned long*) {}, false},
  {"mutex_held",
   [](Resources* r, unsigned long*) { mutex_lock(&r->outer); },
   [](Resources* r, unsigned long*) { mutex_unlock(&r->outer); }, false},
  {"irqs_reenabled",  // a closed irqs-off region leaves nothing behind
   [](Resources*, unsigned long*) { local_irq_disable(); local_irq_enable(); },
   [](Resources*, unsigned long*) {}, false},
  {"spin_lock_held",
   [](Resources* r, unsigned long*) { spin_lock(&r->spin); },
   [](Resources* r, unsigned long*) { spin_unlock(&r->spin); }, true},
  {"read_lock_held",
   [](Resources* r, unsigned long*) { read_lock(&r->rw); },
   [](Resources* r, unsigned long*) { read_unlock(&r->rw); }, true},
  {"write_lock_held",
   [](Resources* r, unsigned long*) { write_lock(&r->rw); },
   [](Resources* r, unsigned long*) { write_unlock(&r->rw); }, true},
  {"spin_lock_irqsave_held",
   [](Resources* r, unsigned long* f) { spin_lock_irqsave(&r->spin, *f); },
   [](Resources* r, unsigned long* f) { spin_unlock_irqrestore(&r->spin, *f); }, true},
  {"irqs_disabled",
   [](Resources*, unsigned long*) { local_irq_disable(); },
   [](Resources*, unsigned long*) { local_irq_enable(); }, true},
  {"bh_disabled",
   [](Resources*, unsigned long*) { local_bh_disable(); },
   [](Resources*, unsigned long*) { local_bh_enable(); }, true},
  {"hardirq",
   [](Resources*, unsigned long*) { irq_enter(); },
   [](Resources*, unsigned long*) { irq_exit(); }, true},
  {"softirq",
   [](Resources*, unsigned long*) { local_bh_disable(); lockdep_softirq_enter(); },
   [](Resources*, unsigned long*) { lockdep_softirq_exit(); local_bh_enable(); }, true},
};
// clang-format on

class SleepCheckTest
    : public lockdep_test::LockdepTest,
      public ::testing::WithParamInterface<std::tuple<int, int>> {};

TEST_P(SleepCheckTest, ReportsOnlyInAtomicContext) {
  const Sleeper& sleeper = kSleepers[std::get<0>(GetParam())];
  const Context& context = kContexts[std::get<1>(GetParam())];
  Resources r;
  unsigned long flags = 0;
  context.enter(&r, &flags);
  sleeper.run(&r);
  context.leave(&r, &flags);
  if (!context.reported) {
    EXPECT_THAT(Kinds(), IsEmpty());
    return;
  }
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic));
  const lockdep::Report report = OnlyReport();
  EXPECT_THAT(report.title, HasSubstr("sleeping function called from invalid context"));
  if (std::string(context.name).find("held") != std::string::npos) {
    // The report names the spinning lock that makes the context atomic.
    EXPECT_THAT(report.text, HasSubstr(context.name[0] == 's' ? "(&spin)" : "(&rw)"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllSleepers, SleepCheckTest,
    Combine(::testing::Range(0, int(std::size(kSleepers))),
            ::testing::Range(0, int(std::size(kContexts)))),
    [](const ::testing::TestParamInfo<std::tuple<int, int>>& info) {
      return std::string(kSleepers[std::get<0>(info.param)].name) + "_in_" +
             kContexts[std::get<1>(info.param)].name;
    });

// lockdep_set_class*() and lockdep_set_subclass() keep a spinlock spinning.
class SleepClassTest : public lockdep_test::LockdepTest {};

lock_class_key g_rekeyed;

TEST_F(SleepClassTest, SetClassKeepsTheSpinningFlag) {
  spinlock_t spin;
  spin_lock_init(&spin);
  lockdep_set_class(&spin, &g_rekeyed);
  spin_lock(&spin);
  might_sleep();
  spin_unlock(&spin);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic));
}

TEST_F(SleepClassTest, SetClassAndNameKeepsTheSpinningFlag) {
  rwlock_t rw;
  rwlock_init(&rw);
  lockdep_set_class_and_name(&rw, &g_rekeyed, "rekeyed_rw");
  read_lock(&rw);
  might_sleep();
  read_unlock(&rw);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic));
}

TEST_F(SleepClassTest, SetSubclassKeepsTheSpinningFlag) {
  spinlock_t spin;
  spin_lock_init(&spin);
  lockdep_set_subclass(&spin, 1);
  spin_lock(&spin);
  might_sleep();
  spin_unlock(&spin);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic));
}

TEST_F(SleepClassTest, StaticSpinlockIsSpinning) {
  static DEFINE_SPINLOCK(static_spin);
  static DEFINE_RWLOCK(static_rw);
  spin_lock(&static_spin);
  might_sleep();
  spin_unlock(&static_spin);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic));
  lockdep::ResetForTesting();
  write_lock(&static_rw);
  might_sleep();
  write_unlock(&static_rw);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic));
}

// A mutex re-keyed stays a sleeping lock: sleeping under it is fine.
TEST_F(SleepClassTest, SetClassKeepsAMutexSleeping) {
  struct mutex m;
  mutex_init(&m);
  lockdep_set_class(&m, &g_rekeyed);
  mutex_lock(&m);
  might_sleep();
  mutex_unlock(&m);
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
