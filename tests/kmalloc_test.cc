// kmalloc()/kzalloc()/kfree() and the error pointers of instrument/kernel.h:
// the memory itself, and what kfree() does for the locks inside an object
// (held lock freed; every lock marked destroyed, so a use after kfree() is
// reported with the kfree() stack while the object sits in quarantine).
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "instrument/kernel.h"
#include "tests/test_support.h"

namespace {

using ::lockdep::ReportKind;
using ::lockdep_test::Kinds;
using ::lockdep_test::LockdepTest;
using ::lockdep_test::OnlyReport;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct object {
  int before;
  spinlock_t lock;
  struct mutex mutex;
  int after;
};

class Kmalloc : public LockdepTest {};

TEST_F(Kmalloc, KzallocZeroesAndKfreeOfNullIsANoOp) {
  auto* bytes = static_cast<unsigned char*>(kzalloc(100, GFP_KERNEL));
  ASSERT_NE(bytes, nullptr);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bytes[i], 0) << i;
  EXPECT_EQ(ksize(bytes), 100u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(bytes) % 16, 0u);
  kfree(bytes);
  kfree(nullptr);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(Kmalloc, KstrdupCopies) {
  char* copy = kstrdup("fence", GFP_KERNEL);
  ASSERT_NE(copy, nullptr);
  EXPECT_STREQ(copy, "fence");
  kfree(copy);
  EXPECT_EQ(kstrdup(nullptr, GFP_KERNEL), nullptr);
}

DEFINE_SPINLOCK(atomic_lock);

TEST_F(Kmalloc, GfpKernelMaySleepSoUnderASpinlockItIsReported) {
  spin_lock(&atomic_lock);
  kfree(kmalloc(8, GFP_ATOMIC));  // the near miss: atomic allocations are fine
  EXPECT_THAT(Kinds(), IsEmpty());
  kfree(kmalloc(8, GFP_KERNEL));
  spin_unlock(&atomic_lock);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kSleepInAtomic));
}

TEST_F(Kmalloc, FreeingAnObjectWhoseLockIsHeldIsReported) {
  auto* obj = static_cast<object*>(kzalloc(sizeof(object), GFP_KERNEL));
  spin_lock_init(&obj->lock);
  spin_lock(&obj->lock);
  kfree(obj);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kHeldLockFreed));
  // The object is in quarantine, so the late unlock touches valid memory.
  spin_unlock(&obj->lock);
}

TEST_F(Kmalloc, FreeingAnObjectAfterUnlockingItsLockIsFine) {
  auto* obj = static_cast<object*>(kzalloc(sizeof(object), GFP_KERNEL));
  spin_lock_init(&obj->lock);
  mutex_init(&obj->mutex);
  spin_lock(&obj->lock);
  spin_unlock(&obj->lock);
  kfree(obj);
  EXPECT_THAT(Kinds(), IsEmpty());
}

__attribute__((noinline)) void free_the_object(object* obj) {
  kfree(obj);
  asm volatile("");  // keep this frame (no tail call)
}

TEST_F(Kmalloc, UseOfALockAfterKfreeIsReportedWithTheKfreeStack) {
  auto* obj = static_cast<object*>(kzalloc(sizeof(object), GFP_KERNEL));
  spin_lock_init(&obj->lock);
  mutex_init(&obj->mutex);
  free_the_object(obj);
  ASSERT_THAT(Kinds(), IsEmpty());

  spin_lock(&obj->lock);
  spin_unlock(&obj->lock);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kUninitializedLock));
  const std::string text = OnlyReport().text;
  EXPECT_THAT(text, HasSubstr("was freed by task"));
  EXPECT_THAT(text, HasSubstr("free_the_object"));
  EXPECT_THAT(OnlyReport().classes, ElementsAre("&obj->lock"));

  // Every lock of the object was marked, not just the first.
  mutex_lock(&obj->mutex);
  mutex_unlock(&obj->mutex);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kUninitializedLock,
                                   ReportKind::kUninitializedLock));
}

TEST_F(Kmalloc, ALockReinitialisedInNewMemoryIsLive) {
  // The near miss of the use-after-free: the same kind of object allocated
  // again is a fresh lock.
  auto* obj = static_cast<object*>(kzalloc(sizeof(object), GFP_KERNEL));
  spin_lock_init(&obj->lock);
  kfree(obj);
  obj = static_cast<object*>(kzalloc(sizeof(object), GFP_KERNEL));
  spin_lock_init(&obj->lock);
  spin_lock(&obj->lock);
  spin_unlock(&obj->lock);
  kfree(obj);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(Kmalloc, DestroyedLockWithoutKfreeNamesNoFreeStack) {
  struct mutex m;
  mutex_init(&m);
  mutex_destroy(&m);
  mutex_lock(&m);
  mutex_unlock(&m);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kUninitializedLock));
  EXPECT_THAT(OnlyReport().text, Not(HasSubstr("was freed by task")));
}

TEST_F(Kmalloc, FreedMemoryIsNotHandedOutAgainAtOnce) {
  // malloc() gives a just-freed chunk of the same size straight back; the
  // quarantine is what keeps a dead lock's memory from being reused.
  void* first = kmalloc(48, GFP_KERNEL);
  kfree(first);
  void* second = kmalloc(48, GFP_KERNEL);
  EXPECT_NE(first, second);
  kfree(second);
}

TEST_F(Kmalloc, QuarantineIsBoundedByObjectsAndBytes) {
  for (size_t i = 0; i < 3 * kKmallocQuarantineObjects; ++i) {
    auto* obj = static_cast<object*>(kmalloc(sizeof(object), GFP_KERNEL));
    spin_lock_init(&obj->lock);
    kfree(obj);
  }
  size_t objects, bytes;
  kmalloc_quarantine_usage(&objects, &bytes);
  EXPECT_EQ(objects, kKmallocQuarantineObjects);
  EXPECT_LE(bytes, kKmallocQuarantineBytes);

  // A large object pushes smaller ones out until the bytes fit again.
  const size_t big = kKmallocQuarantineBytes / 2;
  kfree(kmalloc(big, GFP_KERNEL));
  kfree(kmalloc(big, GFP_KERNEL));
  for (int i = 0; i < 8; ++i) kfree(kmalloc(16, GFP_KERNEL));
  kmalloc_quarantine_usage(&objects, &bytes);
  EXPECT_LE(bytes, kKmallocQuarantineBytes);
  EXPECT_LT(objects, kKmallocQuarantineObjects);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST(KmallocDeathTest, DoubleKfreeIsABug) {
  EXPECT_DEATH(
      {
        void* p = kmalloc(8, GFP_KERNEL);
        kfree(p);
        kfree(p);
      },
      "double free");
}

// ===========================================================================
// Error pointers.

struct thing {
  int x;
};

thing* make_thing(int err) {
  if (err) return ERR_PTR(err);
  return static_cast<thing*>(kzalloc(sizeof(thing), GFP_KERNEL));
}

TEST(ErrPtr, RoundTripsEveryErrno) {
  for (long e = -MAX_ERRNO; e < 0; ++e) {
    thing* t = ERR_PTR(e);
    ASSERT_TRUE(IS_ERR(t)) << e;
    ASSERT_TRUE(IS_ERR_OR_NULL(t)) << e;
    ASSERT_EQ(PTR_ERR(t), e);
  }
}

TEST(ErrPtr, ValidPointersAndNullAreNotErrors) {
  thing* t = make_thing(0);
  EXPECT_FALSE(IS_ERR(t));
  EXPECT_FALSE(IS_ERR_OR_NULL(t));
  EXPECT_EQ(PTR_ERR_OR_ZERO(t), 0);
  kfree(t);
  EXPECT_FALSE(IS_ERR(nullptr));
  EXPECT_TRUE(IS_ERR_OR_NULL(nullptr));
  thing* e = make_thing(-ENOMEM);
  EXPECT_EQ(PTR_ERR(e), -ENOMEM);
  EXPECT_EQ(PTR_ERR_OR_ZERO(e), -ENOMEM);
  int* cast = ERR_CAST(e);
  EXPECT_EQ(PTR_ERR(cast), -ENOMEM);
}

// ===========================================================================
// Memory reclaim: GFP_KERNEL allocations take the fs_reclaim map.

DEFINE_MUTEX(shrinker_lock);

// What a shrinker does: reclaim runs it, and it takes shrinker_lock.
void shrink() {
  fs_reclaim_acquire(GFP_KERNEL);
  mutex_lock(&shrinker_lock);
  mutex_unlock(&shrinker_lock);
  fs_reclaim_release(GFP_KERNEL);
}

TEST_F(Kmalloc, AllocatingUnderALockReclaimTakesIsACycle) {
  shrink();
  EXPECT_THAT(Kinds(), IsEmpty());
  mutex_lock(&shrinker_lock);
  kfree(kmalloc(8, GFP_KERNEL));
  mutex_unlock(&shrinker_lock);
  ASSERT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
  EXPECT_THAT(OnlyReport().classes, ::testing::Contains("fs_reclaim"));
}

TEST_F(Kmalloc, AtomicAndNoReclaimAllocationsDoNotReclaim) {
  shrink();
  mutex_lock(&shrinker_lock);
  kfree(kmalloc(8, GFP_ATOMIC));
  kfree(kzalloc(8, GFP_NOWAIT));
  const unsigned int flags = memalloc_noreclaim_save();
  kfree(kmalloc(8, GFP_KERNEL));
  might_alloc(GFP_KERNEL);
  memalloc_noreclaim_restore(flags);
  mutex_unlock(&shrinker_lock);
  EXPECT_THAT(Kinds(), IsEmpty());
}

TEST_F(Kmalloc, MightAllocIsTheAllocationWithoutMemory) {
  shrink();
  mutex_lock(&shrinker_lock);
  might_alloc(GFP_KERNEL);
  mutex_unlock(&shrinker_lock);
  EXPECT_THAT(Kinds(), ElementsAre(ReportKind::kCircularDependency));
}

TEST_F(Kmalloc, NoReclaimSectionsNest) {
  const unsigned int outer = memalloc_noreclaim_save();
  const unsigned int inner = memalloc_noreclaim_save();
  memalloc_noreclaim_restore(inner);
  shrink();  // still inside the outer section: no fs_reclaim
  mutex_lock(&shrinker_lock);
  kfree(kmalloc(8, GFP_KERNEL));
  mutex_unlock(&shrinker_lock);
  memalloc_noreclaim_restore(outer);
  EXPECT_THAT(Kinds(), IsEmpty());
}

}  // namespace
