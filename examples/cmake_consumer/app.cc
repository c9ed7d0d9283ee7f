// A program built without Bazel against the installed library: two functions
// take the same two mutexes in opposite orders, one after the other, so it
// never deadlocks. lockdep reports the order, and the process exits 66
// (LOCKDEP_OPTIONS exitcode) instead of 0.
#include <cstdio>

#include "instrument/cxx.h"
#include "instrument/kernel.h"

static DEFINE_MUTEX(accounts_lock);
static DEFINE_MUTEX(journal_lock);

static void Deposit() {
  mutex_lock(&accounts_lock);
  mutex_lock(&journal_lock);
  mutex_unlock(&journal_lock);
  mutex_unlock(&accounts_lock);
}

static void Audit() {
  mutex_lock(&journal_lock);
  mutex_lock(&accounts_lock);
  mutex_unlock(&accounts_lock);
  mutex_unlock(&journal_lock);
}

int main() {
  Deposit();
  Audit();
  std::puts("app: done");
  return 0;
}
