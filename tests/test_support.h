// Helpers shared by the GoogleTest suites in tests/: reading the report log,
// checking report titles against the README's table, a fixture that starts every test
// from an empty graph, and FakeLock, a lock that only calls the hooks.
#ifndef LOCKDEP_TESTS_TEST_SUPPORT_H_
#define LOCKDEP_TESTS_TEST_SUPPORT_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/lockdep.h"
#include "runtime/report.h"

namespace lockdep {

// Lets GoogleTest print report kinds by name in failure messages.
inline void PrintTo(ReportKind kind, std::ostream* os) {
  const char* name = ReportKindName(kind);
  *os << (name != nullptr && *name != '\0' ? name : "ReportKind") << "("
      << static_cast<int>(kind) << ")";
}

}  // namespace lockdep

namespace lockdep_test {

using lockdep::Report;
using lockdep::ReportKind;

// The kinds of every report made since the last reset, oldest first.
inline std::vector<ReportKind> Kinds() {
  std::vector<ReportKind> kinds;
  for (const Report& r : lockdep::CollectedReports()) kinds.push_back(r.kind);
  return kinds;
}

// The phrase the README's report table (or report.h, for the kinds it leaves
// open) pins for a kind's title; nullptr when nothing is pinned.
inline const char* TitlePhrase(ReportKind kind) {
  switch (kind) {
    case ReportKind::kCircularDependency:
      return "possible circular locking dependency detected";
    case ReportKind::kRecursiveLocking:
      return "possible recursive locking detected";
    case ReportKind::kInconsistentLockState:
      return "inconsistent lock state";
    case ReportKind::kIrqInversion:
      return "possible irq lock inversion dependency detected";
    case ReportKind::kBadUnlockBalance:
      return "bad unlock balance detected";
    case ReportKind::kHeldLockFreed:
      return "held lock freed";
    case ReportKind::kLockHeldAtExit:
      return "lock held at thread exit";
    case ReportKind::kUninitializedLock:
      return "use of uninitialized or destroyed lock";
    case ReportKind::kSleepInAtomic:
      return "sleeping function called from invalid context";
    case ReportKind::kAssertHeldFailed:
      return "lockdep_assert_held failed";
    case ReportKind::kAssertNotHeldFailed:
      return "lockdep_assert_not_held failed";
    case ReportKind::kWwMutexMisuse:
      return "ww_mutex misuse";
    case ReportKind::kNestLockNotHeld:
      return "nest_lock not held";
    case ReportKind::kChainKeyCollision:
      return "lockdep chain key collision";
    case ReportKind::kWarnOn:
      return " PID: ";
    case ReportKind::kKernelBug:
      return "kernel BUG at ";
    case ReportKind::kIrqSafeToUnsafe:  // "<IRQ>-safe -> <IRQ>-unsafe ..."
    case ReportKind::kLimitReached:
    case ReportKind::kIrqAssertFailed:  // not pinned by the README
      return nullptr;
  }
  return nullptr;
}

inline int CountOccurrences(std::string_view text, std::string_view needle) {
  int n = 0;
  for (size_t pos = text.find(needle); pos != std::string_view::npos;
       pos = text.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// The README: a title begins with "WARNING: " or "BUG: " and contains its kind's
// phrase; the phrase is there exactly once.
inline void ExpectWellFormedTitle(const Report& r) {
  SCOPED_TRACE("title: \"" + r.title + "\"");
  const bool prefixed =
      r.title.rfind("WARNING: ", 0) == 0 || r.title.rfind("BUG: ", 0) == 0;
  EXPECT_TRUE(prefixed) << "title must begin with \"WARNING: \" or \"BUG: \"";
  if (const char* phrase = TitlePhrase(r.kind)) {
    EXPECT_EQ(CountOccurrences(r.title, phrase), 1)
        << "title must contain \"" << phrase << "\" exactly once";
  }
  EXPECT_NE(r.text.find(r.title), std::string::npos)
      << "the printed block must contain the title line";
}

// Checks the title of every report in the log.
inline void ExpectWellFormedTitles() {
  for (const Report& r : lockdep::CollectedReports()) ExpectWellFormedTitle(r);
}

// The only report in the log (a default Report when there is not exactly one;
// the Kinds() assertion of the test says why).
inline Report OnlyReport() {
  std::vector<Report> reports = lockdep::CollectedReports();
  return reports.size() == 1 ? reports[0] : Report{};
}

// Reports a test makes on purpose are expected: not printed while it runs
// (the test reads them from the log). They are printed when the test failed,
// or always with LOCKDEP_TEST_PRINT_REPORTS=1 in the environment.
inline bool PrintReportsWanted() {
  const char* env = std::getenv("LOCKDEP_TEST_PRINT_REPORTS");
  return env != nullptr && env[0] == '1';
}

inline bool PrintNoReport(const Report&) { return false; }

// Every test starts from an empty graph, no reports and no de-duplication
// records, and leaves none behind (held locks of this thread included).
class LockdepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lockdep::ResetForTesting();
    if (!PrintReportsWanted()) lockdep::SetReportPrintFilter(&PrintNoReport);
  }
  void TearDown() override {
    ExpectWellFormedTitles();
    lockdep::SetReportPrintFilter(nullptr);
    if (HasFailure() && !PrintReportsWanted()) {
      for (const Report& r : lockdep::CollectedReports()) {
        std::fputs(r.text.c_str(), stderr);
      }
    }
    lockdep::ResetForTesting();
  }
};

// A lock that is nothing but its lockdep_map: it drives the validator through
// the hooks exactly as a primitive would, without any real locking, so that
// scenarios whose real execution would block (AA on a mutex) can run.
// `read` is the kind the imitated primitive passes: kLockdepWrite (spinlock,
// mutex, write side), kLockdepReadRecursive (rwlock reader) or
// kLockdepReadNonRecursive (rwsem reader).
class FakeLock {
 public:
  FakeLock() = default;
  FakeLock(lock_class_key* key, const char* name) { Init(key, name); }
  FakeLock(const FakeLock&) = delete;
  FakeLock& operator=(const FakeLock&) = delete;

  // As a primitive's *_init: re-initialising a held lock reports
  // "held lock freed" (the primitive's *_init checks the memory first).
  void Init(lock_class_key* key, const char* name) {
    debug_check_no_locks_freed(this, sizeof(*this));
    lockdep_init_map(&map_, name, key, 0);
  }

  void Lock(int read = kLockdepWrite, unsigned subclass = 0) {
    lock_acquire(&map_, subclass, /*trylock=*/0, read, /*check=*/1,
                 /*nest_lock=*/nullptr, LOCKDEP_THIS_IP);
  }
  // A successful trylock: the hook is called after the lock was taken.
  void TryLock(int read = kLockdepWrite) {
    lock_acquire(&map_, 0, /*trylock=*/1, read, /*check=*/1, nullptr,
                 LOCKDEP_THIS_IP);
  }
  void Unlock() { lock_release(&map_, LOCKDEP_THIS_IP); }

  bool IsHeld(int read = -1) const { return lock_is_held_type(&map_, read); }
  lockdep_map* map() { return &map_; }

 private:
  lockdep_map map_;
};

}  // namespace lockdep_test

#endif  // LOCKDEP_TESTS_TEST_SUPPORT_H_
