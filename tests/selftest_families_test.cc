// Linux's lib/locking-selftest.c, ported: the same lock-order families, each
// written once and run for every primitive of its table, with the outcome the
// kernel's selftests expect (SUCCESS: no report; FAILURE: lockdep reports).
//
// Every family runs twice per primitive:
//   hooks: a FakeLock that only calls lock_acquire/lock_release with the read
//          kind the primitive passes (write 0, rwlock reader 2, rwsem reader
//          1). This is how Linux's selftests avoid real deadlocks.
//   real:  the primitive of instrument/kernel.h itself. Every sequence here is
//          safe to execute on one thread: AA takes X1 then X2, two locks of one
//          class (Linux's init_class_X()), never one lock twice, and the
//          "deadlock" orders are taken one after the other, never at once.
//
// The tables below are locking_selftest() of lib/locking-selftest.c (Linux
// v5.10+, with recursive-read deadlock detection; `force_read_lock_recursive`
// makes read_lock() a recursive reader there, and here too: see below):
//   DO_TESTCASE_6R("A-A deadlock", AA) ... ("A-B-C-D-B-C-D-A deadlock",
//       ABCDBCDA): every primitive FAILURE except rlock (recursive readers).
//   DO_TESTCASE_6("double unlock", double_unlock) and
//   DO_TESTCASE_6("initialize held", init_held): every primitive FAILURE.
//   "bad unlock order" (LOCK A, LOCK B, UNLOCK A): DO_TESTCASE_6_SUCCESS in
//       the kernels that still had the test without
//       CONFIG_DEBUG_NON_NESTED_UNLOCKS; lockdep has since dropped the check
//       altogether, and out-of-order release is allowed here.
//   The "recursive read-lock" ... "chain cached mixed R-L/L-W ABBA" rows and
//   DO_TESTCASE_6x1RRB / DO_TESTCASE_6x1RR ("rlock W1R2/W2R3/W3R1" ...).
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
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
using ::lockdep_test::FakeLock;
using ::lockdep_test::Kinds;
using ::lockdep_test::OnlyReport;
using ::testing::Combine;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::Values;

// As in lib/locking-selftest.c: FAILURE means lockdep must report.
enum Outcome { SUCCESS, FAILURE };

// The six columns of the selftests' table.
enum Prim { kSpin, kWlock, kRlock, kMutex, kWsem, kRsem, kNumPrims };
constexpr const char* kPrimNames[kNumPrims] = {"spin",  "wlock", "rlock",
                                               "mutex", "wsem",  "rsem"};

enum class Driver { kHooks, kReal };

constexpr ReportKind kRecursive = ReportKind::kRecursiveLocking;
constexpr ReportKind kCircular = ReportKind::kCircularDependency;
constexpr ReportKind kBadUnlock = ReportKind::kBadUnlockBalance;
constexpr ReportKind kFreed = ReportKind::kHeldLockFreed;

struct Family {
  const char* name;
  Outcome outcome[kNumPrims];
  ReportKind report;  // what a FAILURE reports
};

// clang-format off
constexpr Family kFamilies[] = {
  // family              spin     wlock    rlock    mutex    wsem     rsem       on FAILURE
  {"AA",               {FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE, FAILURE}, kRecursive},
  {"ABBA",             {FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE, FAILURE}, kCircular},
  {"ABBCCA",           {FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE, FAILURE}, kCircular},
  {"ABCABC",           {FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE, FAILURE}, kCircular},
  {"ABBCCDDA",         {FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE, FAILURE}, kCircular},
  {"ABCDBDDA",         {FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE, FAILURE}, kCircular},
  {"ABCDBCDA",         {FAILURE, FAILURE, SUCCESS, FAILURE, FAILURE, FAILURE}, kCircular},
  {"double_unlock",    {FAILURE, FAILURE, FAILURE, FAILURE, FAILURE, FAILURE}, kBadUnlock},
  {"init_held",        {FAILURE, FAILURE, FAILURE, FAILURE, FAILURE, FAILURE}, kFreed},
  // Never FAILURE; the last column is what a FAILURE would have reported.
  {"bad_unlock_order", {SUCCESS, SUCCESS, SUCCESS, SUCCESS, SUCCESS, SUCCESS}, kBadUnlock},
  {"nested_unlock",    {SUCCESS, SUCCESS, SUCCESS, SUCCESS, SUCCESS, SUCCESS}, kBadUnlock},
};
// clang-format on

const Family& FindFamily(std::string_view name) {
  for (const Family& f : kFamilies) {
    if (name == f.name) return f;
  }
  ADD_FAILURE() << "no family " << name << " in kFamilies";
  return kFamilies[0];
}

// The selftests' locks: A, B, C, D of four classes; X1 and X2 two locks of
// one class (lib/locking-selftest.c's init_class_X()), so that AA never takes
// one lock twice.
enum LockId { A, B, C, D, X1, X2, kNumLocks };
constexpr int kClassOf[kNumLocks] = {0, 1, 2, 3, 4, 4};
constexpr const char* kClassNames[] = {"lock_A", "lock_B", "lock_C", "lock_D",
                                       "lock_X"};
lock_class_key g_family_keys[5];

// The six locks of one primitive, driven through the hooks or for real.
class LockSet {
 public:
  virtual ~LockSet() = default;
  // The primitive's *_init (which checks for a held lock there), then the
  // lock's class as kClassOf says.
  virtual void Init(LockId id) = 0;
  virtual void Lock(LockId id) = 0;
  virtual void Unlock(LockId id) = 0;
  virtual bool IsHeld(LockId id) = 0;
};

class HookLocks final : public LockSet {
 public:
  explicit HookLocks(int read) : read_(read) {}
  void Init(LockId id) override {
    locks_[id].Init(&g_family_keys[kClassOf[id]], kClassNames[kClassOf[id]]);
  }
  void Lock(LockId id) override { locks_[id].Lock(read_); }
  void Unlock(LockId id) override { locks_[id].Unlock(); }
  bool IsHeld(LockId id) override { return locks_[id].IsHeld(); }

 private:
  const int read_;
  FakeLock locks_[kNumLocks];
};

// P: the lock type and calls of one real primitive.
template <class P>
class RealLocks final : public LockSet {
 public:
  void Init(LockId id) override {
    P::Init(&locks_[id]);
    lockdep_set_class_and_name(&locks_[id], &g_family_keys[kClassOf[id]],
                               kClassNames[kClassOf[id]]);
  }
  void Lock(LockId id) override { P::Lock(&locks_[id]); }
  void Unlock(LockId id) override { P::Unlock(&locks_[id]); }
  bool IsHeld(LockId id) override { return lockdep_is_held(&locks_[id]) != 0; }

 private:
  typename P::Type locks_[kNumLocks];
};

struct RealSpin {
  using Type = spinlock_t;
  static void Init(Type* l) { spin_lock_init(l); }
  static void Lock(Type* l) { spin_lock(l); }
  static void Unlock(Type* l) { spin_unlock(l); }
};
struct RealWlock {
  using Type = rwlock_t;
  static void Init(Type* l) { rwlock_init(l); }
  static void Lock(Type* l) { write_lock(l); }
  static void Unlock(Type* l) { write_unlock(l); }
};
struct RealRlock {
  using Type = rwlock_t;
  static void Init(Type* l) { rwlock_init(l); }
  static void Lock(Type* l) { read_lock(l); }
  static void Unlock(Type* l) { read_unlock(l); }
};
struct RealMutex {
  using Type = struct mutex;
  static void Init(Type* l) { mutex_init(l); }
  static void Lock(Type* l) { mutex_lock(l); }
  static void Unlock(Type* l) { mutex_unlock(l); }
};
struct RealWsem {
  using Type = struct rw_semaphore;
  static void Init(Type* l) { init_rwsem(l); }
  static void Lock(Type* l) { down_write(l); }
  static void Unlock(Type* l) { up_write(l); }
};
struct RealRsem {
  using Type = struct rw_semaphore;
  static void Init(Type* l) { init_rwsem(l); }
  static void Lock(Type* l) { down_read(l); }
  static void Unlock(Type* l) { up_read(l); }
};

// The `read` argument each primitive passes to lock_acquire().
constexpr int kReadKind[kNumPrims] = {
    kLockdepWrite, kLockdepWrite,           kLockdepReadRecursive,
    kLockdepWrite, kLockdepWrite,           kLockdepReadNonRecursive};

std::unique_ptr<LockSet> MakeLocks(Prim prim, Driver driver) {
  if (driver == Driver::kHooks) return std::make_unique<HookLocks>(kReadKind[prim]);
  switch (prim) {
    case kSpin: return std::make_unique<RealLocks<RealSpin>>();
    case kWlock: return std::make_unique<RealLocks<RealWlock>>();
    case kRlock: return std::make_unique<RealLocks<RealRlock>>();
    case kMutex: return std::make_unique<RealLocks<RealMutex>>();
    case kWsem: return std::make_unique<RealLocks<RealWsem>>();
    case kRsem: return std::make_unique<RealLocks<RealRsem>>();
    case kNumPrims: break;
  }
  return nullptr;
}

std::string DriverName(Driver d) { return d == Driver::kHooks ? "hooks" : "real"; }

// Expects exactly the outcome `expected`: no report, or one report of `kind`
// naming every class in `classes`.
void ExpectOutcome(Outcome expected, ReportKind kind,
                   const std::vector<std::string>& classes) {
  if (expected == SUCCESS) {
    EXPECT_THAT(Kinds(), IsEmpty());
    return;
  }
  ASSERT_THAT(Kinds(), ElementsAre(kind));
  const lockdep::Report report = OnlyReport();
  EXPECT_THAT(report.classes, IsSupersetOf(classes));
  for (const std::string& name : classes) {
    EXPECT_THAT(report.text, HasSubstr(name));
  }
}

class FamilyTest
    : public lockdep_test::LockdepTest,
      public ::testing::WithParamInterface<std::tuple<Prim, Driver>> {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    locks_ = MakeLocks(prim(), std::get<1>(GetParam()));
    for (int id = 0; id < kNumLocks; ++id) locks_->Init(LockId(id));
  }

  Prim prim() const { return std::get<0>(GetParam()); }

  // lib/locking-selftest.c's LOCK, UNLOCK, INIT and LOCK_UNLOCK_2.
  void L(LockId id) { locks_->Lock(id); }
  void U(LockId id) { locks_->Unlock(id); }
  void I(LockId id) { locks_->Init(id); }
  void LU2(LockId x, LockId y) {
    L(x);
    L(y);
    U(y);
    U(x);
  }
  bool Held(LockId id) { return locks_->IsHeld(id); }

  // The family's expected outcome for this test's primitive.
  void ExpectFamilyOutcome(std::string_view family,
                           const std::vector<std::string>& classes) {
    const Family& f = FindFamily(family);
    SCOPED_TRACE(std::string(family) + " on " + kPrimNames[prim()]);
    ExpectOutcome(f.outcome[prim()], f.report, classes);
  }

  std::unique_ptr<LockSet> locks_;
};

TEST_P(FamilyTest, AA) {
  L(X1);
  L(X2);  // a second lock of X1's class: FAILURE unless readers recurse
  U(X2);
  U(X1);
  ExpectFamilyOutcome("AA", {"lock_X"});
}

TEST_P(FamilyTest, ABBA) {
  LU2(A, B);
  LU2(B, A);
  ExpectFamilyOutcome("ABBA", {"lock_A", "lock_B"});
}

TEST_P(FamilyTest, ABBCCA) {
  LU2(A, B);
  LU2(B, C);
  LU2(C, A);
  ExpectFamilyOutcome("ABBCCA", {"lock_A", "lock_C"});
}

TEST_P(FamilyTest, ABCABC) {
  LU2(A, B);
  LU2(C, A);
  LU2(B, C);
  ExpectFamilyOutcome("ABCABC", {"lock_B", "lock_C"});
}

TEST_P(FamilyTest, ABBCCDDA) {
  LU2(A, B);
  LU2(B, C);
  LU2(C, D);
  LU2(D, A);
  ExpectFamilyOutcome("ABBCCDDA", {"lock_A", "lock_D"});
}

TEST_P(FamilyTest, ABCDBDDA) {
  LU2(A, B);
  LU2(C, D);
  LU2(B, D);
  LU2(D, A);
  ExpectFamilyOutcome("ABCDBDDA", {"lock_A", "lock_D"});
}

TEST_P(FamilyTest, ABCDBCDA) {
  LU2(A, B);
  LU2(C, D);
  LU2(B, C);
  LU2(D, A);
  ExpectFamilyOutcome("ABCDBCDA", {"lock_A", "lock_D"});
}

// The real primitives ignore the second unlock (the validator reports it).
TEST_P(FamilyTest, DoubleUnlock) {
  L(A);
  U(A);
  U(A);
  EXPECT_FALSE(Held(A));
  ExpectFamilyOutcome("double_unlock", {"lock_A"});
}

TEST_P(FamilyTest, InitHeld) {
  L(A);
  I(A);  // the primitive's *_init over a held lock
  ExpectFamilyOutcome("init_held", {"lock_A"});
}

// Out-of-order release is allowed, and leaves the right lock held.
TEST_P(FamilyTest, BadUnlockOrder) {
  L(A);
  L(B);
  U(A);
  EXPECT_FALSE(Held(A));
  EXPECT_TRUE(Held(B));
  U(B);
  EXPECT_FALSE(Held(B));
  ExpectFamilyOutcome("bad_unlock_order", {});
}

TEST_P(FamilyTest, NestedUnlock) {
  L(A);
  L(B);
  EXPECT_TRUE(Held(A));
  EXPECT_TRUE(Held(B));
  U(B);
  U(A);
  EXPECT_FALSE(Held(A));
  ExpectFamilyOutcome("nested_unlock", {});
}

std::string FamilyParamName(
    const ::testing::TestParamInfo<std::tuple<Prim, Driver>>& info) {
  return std::string(kPrimNames[std::get<0>(info.param)]) + "_" +
         DriverName(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Selftest, FamilyTest,
                         Combine(Values(kSpin, kWlock, kRlock, kMutex, kWsem,
                                        kRsem),
                                 Values(Driver::kHooks, Driver::kReal)),
                         FamilyParamName);

// ---------------------------------------------------------------------------
// Readers and writers of one lock class mixed: the rwlock (recursive readers)
// and rwsem (non-recursive readers) columns of locking_selftest(). Y is the
// selftests' other lock: a spinlock in the rwlock cases, a mutex in the rwsem
// ones (rlock_ABBA1 uses L(Y1), rwsem_ABBA1 uses ML(Y1)).

enum RwPrim { kRwlock, kRwsem, kNumRwPrims };
constexpr const char* kRwPrimNames[kNumRwPrims] = {"rwlock", "rwsem"};

struct ReadWriteCase {
  const char* name;
  Outcome outcome[kNumRwPrims];
  ReportKind report;
};

// clang-format off
constexpr ReadWriteCase kReadWriteCases[] = {
  // locking_selftest() row                              rwlock   rwsem
  {"AA1",    {SUCCESS, FAILURE}, kRecursive},  // recursive read-lock
  {"AA1B",   {SUCCESS, FAILURE}, kRecursive},  // recursive read-lock #2
  {"AA2",    {FAILURE, FAILURE}, kRecursive},  // mixed read-write-lock
  {"AA3",    {FAILURE, FAILURE}, kRecursive},  // mixed write-read-lock
  {"ABBA1",  {FAILURE, FAILURE}, kCircular},   // mixed read-lock/lock-write ABBA
  {"ABBA2",  {SUCCESS, FAILURE}, kCircular},   // mixed read-lock/lock-read ABBA
  {"ABBA3",  {FAILURE, FAILURE}, kCircular},   // mixed write-lock/lock-write ABBA
  // chain cached mixed R-L/L-W ABBA: rwlock only in Linux. For rwsem the
  // read step already closes a cycle (as rwsem_ABBA2), and the write step is
  // the same problem again, so still exactly one report.
  {"chaincache_ABBA1", {FAILURE, FAILURE}, kCircular},
};
// clang-format on

const ReadWriteCase& FindReadWriteCase(std::string_view name) {
  for (const ReadWriteCase& c : kReadWriteCases) {
    if (name == c.name) return c;
  }
  ADD_FAILURE() << "no case " << name << " in kReadWriteCases";
  return kReadWriteCases[0];
}

// X1, X2: one class; Y1 and Z1 one class each.
enum RwId { RX1, RX2, RY1, RZ1, kNumRwLocks };
constexpr int kRwClassOf[kNumRwLocks] = {0, 0, 1, 2};
constexpr const char* kRwClassNames[] = {"rw_X", "rw_Y", "rw_Z"};
lock_class_key g_rw_keys[3];
lock_class_key g_plain_key;

class RwLockSet {
 public:
  virtual ~RwLockSet() = default;
  virtual void ReadLock(RwId id) = 0;
  virtual void ReadUnlock(RwId id) = 0;
  virtual void WriteLock(RwId id) = 0;
  virtual void WriteUnlock(RwId id) = 0;
  virtual void PlainLock() = 0;  // the selftests' L(Y1) / ML(Y1)
  virtual void PlainUnlock() = 0;
};

class HookRwLocks final : public RwLockSet {
 public:
  explicit HookRwLocks(int read) : read_(read) {
    for (int id = 0; id < kNumRwLocks; ++id) {
      rw_[id].Init(&g_rw_keys[kRwClassOf[id]], kRwClassNames[kRwClassOf[id]]);
    }
    plain_.Init(&g_plain_key, "plain_Y");
  }
  void ReadLock(RwId id) override { rw_[id].Lock(read_); }
  void ReadUnlock(RwId id) override { rw_[id].Unlock(); }
  void WriteLock(RwId id) override { rw_[id].Lock(kLockdepWrite); }
  void WriteUnlock(RwId id) override { rw_[id].Unlock(); }
  void PlainLock() override { plain_.Lock(); }
  void PlainUnlock() override { plain_.Unlock(); }

 private:
  const int read_;
  FakeLock rw_[kNumRwLocks];
  FakeLock plain_;
};

struct RealRwlock {
  using Type = rwlock_t;
  static void Init(Type* l) { rwlock_init(l); }
  static void ReadLock(Type* l) { read_lock(l); }
  static void ReadUnlock(Type* l) { read_unlock(l); }
  static void WriteLock(Type* l) { write_lock(l); }
  static void WriteUnlock(Type* l) { write_unlock(l); }
};
struct RealRwsem {
  using Type = struct rw_semaphore;
  static void Init(Type* l) { init_rwsem(l); }
  static void ReadLock(Type* l) { down_read(l); }
  static void ReadUnlock(Type* l) { up_read(l); }
  static void WriteLock(Type* l) { down_write(l); }
  static void WriteUnlock(Type* l) { up_write(l); }
};

template <class RW, class Plain>
class RealRwLocks final : public RwLockSet {
 public:
  RealRwLocks() {
    for (int id = 0; id < kNumRwLocks; ++id) {
      RW::Init(&rw_[id]);
      lockdep_set_class_and_name(&rw_[id], &g_rw_keys[kRwClassOf[id]],
                                 kRwClassNames[kRwClassOf[id]]);
    }
    Plain::Init(&plain_);
    lockdep_set_class_and_name(&plain_, &g_plain_key, "plain_Y");
  }
  void ReadLock(RwId id) override { RW::ReadLock(&rw_[id]); }
  void ReadUnlock(RwId id) override { RW::ReadUnlock(&rw_[id]); }
  void WriteLock(RwId id) override { RW::WriteLock(&rw_[id]); }
  void WriteUnlock(RwId id) override { RW::WriteUnlock(&rw_[id]); }
  void PlainLock() override { Plain::Lock(&plain_); }
  void PlainUnlock() override { Plain::Unlock(&plain_); }

 private:
  typename RW::Type rw_[kNumRwLocks];
  typename Plain::Type plain_;
};

std::unique_ptr<RwLockSet> MakeRwLocks(RwPrim prim, Driver driver) {
  if (driver == Driver::kHooks) {
    return std::make_unique<HookRwLocks>(prim == kRwlock
                                             ? kLockdepReadRecursive
                                             : kLockdepReadNonRecursive);
  }
  if (prim == kRwlock) return std::make_unique<RealRwLocks<RealRwlock, RealSpin>>();
  return std::make_unique<RealRwLocks<RealRwsem, RealMutex>>();
}

class ReadWriteTest
    : public lockdep_test::LockdepTest,
      public ::testing::WithParamInterface<std::tuple<RwPrim, Driver>> {
 protected:
  void SetUp() override {
    LockdepTest::SetUp();
    locks_ = MakeRwLocks(prim(), std::get<1>(GetParam()));
  }
  RwPrim prim() const { return std::get<0>(GetParam()); }

  // lib/locking-selftest.c's RL/RU, WL/WU (RSL/RSU, WSL/WSU for rwsem) and
  // L/U (ML/MU).
  void RL(RwId id) { locks_->ReadLock(id); }
  void RU(RwId id) { locks_->ReadUnlock(id); }
  void WL(RwId id) { locks_->WriteLock(id); }
  void WU(RwId id) { locks_->WriteUnlock(id); }
  void LY() { locks_->PlainLock(); }
  void UY() { locks_->PlainUnlock(); }

  void ExpectCaseOutcome(std::string_view name,
                         const std::vector<std::string>& classes) {
    const ReadWriteCase& c = FindReadWriteCase(name);
    SCOPED_TRACE(std::string(name) + " on " + kRwPrimNames[prim()]);
    ExpectOutcome(c.outcome[prim()], c.report, classes);
  }

  std::unique_ptr<RwLockSet> locks_;
};

// One lock read twice. Real execution is safe: no writer exists.
TEST_P(ReadWriteTest, AA1) {
  RL(RX1);
  RL(RX1);
  RU(RX1);
  RU(RX1);
  ExpectCaseOutcome("AA1", {"rw_X"});
}

TEST_P(ReadWriteTest, AA1B) {
  RL(RX1);
  RL(RX2);
  RU(RX2);
  RU(RX1);
  ExpectCaseOutcome("AA1B", {"rw_X"});
}

TEST_P(ReadWriteTest, AA2) {
  RL(RX1);
  WL(RX2);
  WU(RX2);
  RU(RX1);
  ExpectCaseOutcome("AA2", {"rw_X"});
}

TEST_P(ReadWriteTest, AA3) {
  WL(RX1);
  RL(RX2);
  RU(RX2);
  WU(RX1);
  ExpectCaseOutcome("AA3", {"rw_X"});
}

TEST_P(ReadWriteTest, ABBA1) {
  RL(RX1);
  LY();
  UY();
  RU(RX1);

  LY();
  WL(RX1);
  WU(RX1);
  UY();
  ExpectCaseOutcome("ABBA1", {"rw_X", "plain_Y"});
}

TEST_P(ReadWriteTest, ABBA2) {
  RL(RX1);
  LY();
  UY();
  RU(RX1);

  LY();
  RL(RX1);
  RU(RX1);
  UY();
  ExpectCaseOutcome("ABBA2", {"rw_X", "plain_Y"});
}

TEST_P(ReadWriteTest, ABBA3) {
  WL(RX1);
  LY();
  UY();
  WU(RX1);

  LY();
  WL(RX1);
  WU(RX1);
  UY();
  ExpectCaseOutcome("ABBA3", {"rw_X", "plain_Y"});
}

// The chain Y -> X seen with a read of X must not hide the same chain with a
// write of X (the chain cache must tell reads from writes).
TEST_P(ReadWriteTest, ChainCacheABBA1) {
  RL(RX1);
  LY();
  UY();
  RU(RX1);

  LY();
  RL(RX1);
  RU(RX1);
  UY();

  LY();
  WL(RX1);
  WU(RX1);
  UY();
  ExpectCaseOutcome("chaincache_ABBA1", {"rw_X", "plain_Y"});
}

std::string ReadWriteParamName(
    const ::testing::TestParamInfo<std::tuple<RwPrim, Driver>>& info) {
  return std::string(kRwPrimNames[std::get<0>(info.param)]) + "_" +
         DriverName(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Selftest, ReadWriteTest,
                         Combine(Values(kRwlock, kRwsem),
                                 Values(Driver::kHooks, Driver::kReal)),
                         ReadWriteParamName);

// ---------------------------------------------------------------------------
// Three rwlocks, three events, all six orders of the events: a cycle through
// recursive readers is a deadlock only when no reader edge is followed by an
// edge out of a read-held lock (Linux's "strong" dependency path).
// DO_TESTCASE_6x1RRB = FAILURE in every order, DO_TESTCASE_6x1RR = SUCCESS.

struct RwCycle {
  const char* name;  // events, as locking-selftest.c's E1()/E2()/E3()
  Outcome outcome;
  void (*events[3])(RwLockSet&);
};

// clang-format off
const RwCycle kRwCycles[] = {
  // deadlock even if read is recursive (DO_TESTCASE_6x1RRB)
  {"W1R2_W2R3_W3R1", FAILURE, {
      [](RwLockSet& s) { s.WriteLock(RX1); s.ReadLock(RY1); s.ReadUnlock(RY1); s.WriteUnlock(RX1); },
      [](RwLockSet& s) { s.WriteLock(RY1); s.ReadLock(RZ1); s.ReadUnlock(RZ1); s.WriteUnlock(RY1); },
      [](RwLockSet& s) { s.WriteLock(RZ1); s.ReadLock(RX1); s.ReadUnlock(RX1); s.WriteUnlock(RZ1); }}},
  {"W1W2_R2R3_W3R1", FAILURE, {
      [](RwLockSet& s) { s.WriteLock(RX1); s.WriteLock(RY1); s.WriteUnlock(RY1); s.WriteUnlock(RX1); },
      [](RwLockSet& s) { s.ReadLock(RY1); s.ReadLock(RZ1); s.ReadUnlock(RZ1); s.ReadUnlock(RY1); },
      [](RwLockSet& s) { s.WriteLock(RZ1); s.ReadLock(RX1); s.ReadUnlock(RX1); s.WriteUnlock(RZ1); }}},
  // not a deadlock when read is recursive (DO_TESTCASE_6x1RR)
  {"W1W2_R2R3_R3W1", SUCCESS, {
      [](RwLockSet& s) { s.WriteLock(RX1); s.WriteLock(RY1); s.WriteUnlock(RY1); s.WriteUnlock(RX1); },
      [](RwLockSet& s) { s.ReadLock(RY1); s.ReadLock(RZ1); s.ReadUnlock(RZ1); s.ReadUnlock(RY1); },
      [](RwLockSet& s) { s.ReadLock(RZ1); s.WriteLock(RX1); s.WriteUnlock(RX1); s.ReadUnlock(RZ1); }}},
  {"W1R2_R2R3_W3W1", SUCCESS, {
      [](RwLockSet& s) { s.WriteLock(RX1); s.ReadLock(RY1); s.ReadUnlock(RY1); s.WriteUnlock(RX1); },
      [](RwLockSet& s) { s.ReadLock(RY1); s.ReadLock(RZ1); s.ReadUnlock(RZ1); s.ReadUnlock(RY1); },
      [](RwLockSet& s) { s.WriteLock(RZ1); s.WriteLock(RX1); s.WriteUnlock(RX1); s.WriteUnlock(RZ1); }}},
};
// clang-format on

class RwlockCycleTest : public lockdep_test::LockdepTest,
                        public ::testing::WithParamInterface<Driver> {};

TEST_P(RwlockCycleTest, AllSixOrders) {
  constexpr int kOrders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (const RwCycle& cycle : kRwCycles) {
    for (const auto& order : kOrders) {
      SCOPED_TRACE(std::string(cycle.name) + "/" + std::to_string(order[0] + 1) +
                   std::to_string(order[1] + 1) + std::to_string(order[2] + 1));
      lockdep::ResetForTesting();
      std::unique_ptr<RwLockSet> locks = MakeRwLocks(kRwlock, GetParam());
      for (int event : order) cycle.events[event](*locks);
      ExpectOutcome(cycle.outcome, kCircular, {});
      lockdep_test::ExpectWellFormedTitles();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Selftest, RwlockCycleTest,
                         Values(Driver::kHooks, Driver::kReal),
                         [](const ::testing::TestParamInfo<Driver>& info) {
                           return DriverName(info.param);
                         });

}  // namespace
