// Lock orders among the locks of one class (lockdep_set_lock_cmp_fn, Linux
// 6.4; Mutex::SetLockCmpFn): the bank transfer, where every account's lock
// is one class and the program orders a pair by account id. Taking the pair
// in that order is clean; the other way round is recursive locking, and the
// report says what the comparison returned and which accounts they are.
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "instrument/cxx.h"
#include "instrument/kernel.h"
#include "runtime/report.h"

namespace {

class LockOrder : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { lockdep::SetReportExitCode(0); }
  void SetUp() override { lockdep::ResetForTesting(); }

  static std::vector<lockdep::Report> Recursive() {
    std::vector<lockdep::Report> found;
    for (const lockdep::Report& r : lockdep::CollectedReports()) {
      if (r.kind == lockdep::ReportKind::kRecursiveLocking) found.push_back(r);
    }
    return found;
  }
};

// ---------------------------------------------------------------------------
// Kernel style.

struct account {
  int id;
  struct mutex lock;
};

const account* AccountOf(const lockdep_map* map) {
  return reinterpret_cast<const account*>(reinterpret_cast<const char*>(map) -
                                          offsetof(account, lock.dep_map));
}

int AccountCmp(const lockdep_map* a, const lockdep_map* b) {
  return AccountOf(a)->id < AccountOf(b)->id ? -1 : AccountOf(a)->id > AccountOf(b)->id;
}

void AccountPrint(const lockdep_map* map) {
  std::fprintf(stderr, "account %d", AccountOf(map)->id);
}

// Every account's lock is initialised here: one class.
void AccountInit(account* acc, int id) {
  acc->id = id;
  mutex_init(&acc->lock);
  lockdep_set_lock_cmp_fn(&acc->lock, AccountCmp, AccountPrint);
}

void KernelTransfer(account* first, account* second) {
  mutex_lock(&first->lock);
  mutex_lock(&second->lock);
  mutex_unlock(&second->lock);
  mutex_unlock(&first->lock);
}

TEST_F(LockOrder, KernelTransferInTheDeclaredOrderIsClean) {
  account alice, bob, carol;
  AccountInit(&alice, 1);
  AccountInit(&bob, 2);
  AccountInit(&carol, 3);
  KernelTransfer(&alice, &bob);
  KernelTransfer(&bob, &carol);
  KernelTransfer(&alice, &carol);
  KernelTransfer(&alice, &bob);  // a chain seen before
  EXPECT_EQ(lockdep::ReportCount(), 0u);
}

TEST_F(LockOrder, KernelTransferAgainstTheOrderIsRecursiveLocking) {
  account alice, bob;
  AccountInit(&alice, 1);
  AccountInit(&bob, 2);
  KernelTransfer(&alice, &bob);  // in order first: the chain is known
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  KernelTransfer(&bob, &alice);
  const std::vector<lockdep::Report> reports = Recursive();
  ASSERT_EQ(reports.size(), 1u);
  const std::string& text = reports[0].text;
  EXPECT_NE(text.find("possible recursive locking detected"), std::string::npos);
  EXPECT_NE(text.find("and the lock comparison function returns 1:"),
            std::string::npos)
      << text;
  // The lock being taken, then the one held, each described by print_fn.
  const size_t taking = text.find("  account 1");
  const size_t held = text.find("  account 2");
  ASSERT_NE(taking, std::string::npos) << text;
  ASSERT_NE(held, std::string::npos) << text;
  EXPECT_LT(taking, held);
  // The advice no longer hides a two-way transfer behind lock_nested(1).
  EXPECT_EQ(text.find("lock_nested(1)"), std::string::npos) << text;
  EXPECT_NE(text.find("std::scoped_lock"), std::string::npos) << text;
}

// Without an order, two accounts held together are still one class.
TEST_F(LockOrder, WithoutAnOrderTwoAccountsAreRecursiveLocking) {
  struct plain {
    struct mutex lock;
  } a, b;
  for (plain* p : {&a, &b}) mutex_init(&p->lock);  // one site: one class
  mutex_lock(&a.lock);
  mutex_lock(&b.lock);
  mutex_unlock(&b.lock);
  mutex_unlock(&a.lock);
  ASSERT_EQ(Recursive().size(), 1u);
  EXPECT_EQ(Recursive()[0].text.find("lock comparison"), std::string::npos);
}

// ---------------------------------------------------------------------------
// C++.

struct Account {
  int id = 0;
  lockdep::Mutex mu;
};

const Account& AccountOfMutex(const lockdep::Mutex& mu) {
  return *reinterpret_cast<const Account*>(reinterpret_cast<const char*>(&mu) -
                                           offsetof(Account, mu));
}

int ById(const lockdep::Mutex& a, const lockdep::Mutex& b) {
  return AccountOfMutex(a).id - AccountOfMutex(b).id;
}

void PrintAccount(const lockdep::Mutex& mu) {
  std::fprintf(stderr, "Account #%d", AccountOfMutex(mu).id);
}

void Transfer(Account& from, Account& to) {
  lockdep::LockGuard<lockdep::Mutex> a(from.mu);
  lockdep::LockGuard<lockdep::Mutex> b(to.mu);
}

TEST_F(LockOrder, CxxTransferByIdIsCleanAndTheReverseIsReported) {
  Account alice, bob;
  alice.id = 1;
  bob.id = 2;
  alice.mu.SetLockCmpFn(ById, PrintAccount);
  Transfer(alice, bob);
  Transfer(alice, bob);
  EXPECT_EQ(lockdep::ReportCount(), 0u);
  Transfer(bob, alice);
  const std::vector<lockdep::Report> reports = Recursive();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].text.find("and the lock comparison function returns 1:"),
            std::string::npos)
      << reports[0].text;
  EXPECT_NE(reports[0].text.find("Account #2"), std::string::npos);
  EXPECT_NE(reports[0].text.find("Account #1"), std::string::npos);
}

// std::scoped_lock takes a pair in any order without deadlock; lockdep
// agrees (the second lock is a trylock or waits with nothing held).
TEST_F(LockOrder, ScopedLockOfTwoAccountsIsClean) {
  struct Plain {
    lockdep::Mutex mu;
  } a, b;
  {
    std::scoped_lock both(a.mu, b.mu);
  }
  {
    std::scoped_lock both(b.mu, a.mu);
  }
  EXPECT_EQ(lockdep::ReportCount(), 0u);
}

}  // namespace
