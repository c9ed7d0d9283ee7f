#include "runtime/reports/lock_reports.h"

#include "absl/strings/str_join.h"
#include "runtime/reports/report_writer.h"

namespace lockdep {
namespace {

// Why two locks are one class, and the ways out: lockdep cannot tell two
// locks of one class apart, so the reader must either split the class or
// promise an order.
void SameClassAdvice(ReportWriter& w, const std::string& name, std::string origin) {
  if (origin.empty()) {
    origin = "initialised with one lock_class_key (the same *_init call site, "
             "DEFINE_* or lockdep_set_class)";
  }
  w.Line(" Both locks are of class %s: %s.", name, origin);
  // Not lock_nested(1): for two instances of one class (two accounts) it
  // would silence the other thread's reverse order, a real ABBA.
  w.Line(" If they are different locks that may be held together, either give "
         "them different classes");
  w.Line(" (a name or a lock_class_key when constructing a lockdep::Mutex, "
         "lockdep_set_class() for kernel-style locks),");
  w.Line(" or, for two instances of one kind (two accounts), take them together "
         "with std::scoped_lock (deadlock-free in any order),");
  w.Line(" or order them by a key the program defines and declare it: "
         "lockdep_set_lock_cmp_fn(l, cmp_fn, print_fn),");
  w.Line(" Mutex::SetLockCmpFn(cmp_fn, print_fn); the pair is then checked "
         "against that order.");
}

const char* ReadPrefix(const LockRecord& lock) { return lock.read ? "r" : ""; }

}  // namespace

void ReportRecursive(const RecursiveFinding& f) {
  ReportWriter w(ReportKind::kRecursiveLocking,
                 "WARNING: possible recursive locking detected");
  const std::string& name = f.next.class_name;
  w.AddClass(name);
  w.Line("%s is trying to acquire lock:", f.task.name);
  w.HeldLockLine(" ", f.next);
  w.Blank();
  w.Line("but task is already holding lock:");
  w.HeldLockLine(" ", f.prev);
  if (f.order) {
    // As Linux: the order the class declares is what this pair breaks.
    w.Line("and the lock comparison function returns %d:", *f.order);
    w.Line(" the held lock must compare below the one being taken; taking them "
           "the other way round is against the class's order.");
  }
  w.Blank();
  w.Line("other info that might help us debug this:");
  w.Line(" Possible unsafe locking scenario:");
  w.Blank();
  w.Line("       CPU0");
  w.Line("       ----");
  w.Line("  %slock(%s);", ReadPrefix(f.prev), name);
  w.Line("  %slock(%s);", ReadPrefix(f.next), name);
  w.Blank();
  w.Line(" *** DEADLOCK ***");
  w.Blank();
  if (f.order) {
    w.Line(" May be due to taking the pair against its lock order");
  } else {
    w.Line(" May be due to missing lock nesting notation");
  }
  w.Blank();
  SameClassAdvice(w, name, f.key_origin);
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportCircular(const CircularFinding& f) {
  ReportWriter w(ReportKind::kCircularDependency,
                 "WARNING: possible circular locking dependency detected");
  const std::string& next_name = f.next.class_name;
  const std::string& prev_name = f.prev.class_name;
  w.AddClass(next_name);
  w.AddClass(prev_name);
  for (size_t i = 0; i + 1 < f.chain.size(); ++i) w.AddClass(f.chain[i].class_name);
  w.Line("%s is trying to acquire lock:", f.task.name);
  w.HeldLockLine(" ", f.next);
  w.Blank();
  w.Line("but task is already holding lock:");
  w.HeldLockLine(" ", f.prev);
  w.Blank();
  w.Line("which lock already depends on the new lock.");
  w.Blank();
  w.Blank();
  w.Line("the existing dependency chain (in reverse order) is:");
  // Each entry names a class and the stack that took it while holding the
  // class below it; #0 is the acquisition happening now.
  for (size_t i = f.chain.size(); i-- > 0;) {
    w.Blank();
    w.Line("-> #%u (%s):", i + 1, f.chain[i].class_name);
    w.Trace(f.chain[i].stack, 7);
  }
  w.Blank();
  w.Line("-> #0 (%s):", next_name);
  w.Trace(f.new_stack, 7);
  w.Blank();
  w.Line("other info that might help us debug this:");
  w.Blank();
  if (f.longer_than_two) {
    std::string chain = next_name;
    for (const ChainLink& link : f.chain) chain += " --> " + link.class_name;
    w.Line("Chain exists of:");
    w.Line("  %s", chain);
    w.Blank();
  }
  // Goodlock's gate locks: such a cycle cannot deadlock while the gate
  // holds; lockdep still reports it (its rule is about order).
  if (!f.gates.empty()) {
    w.Line(" note: every dependency of this cycle was taken holding %s",
           absl::StrJoin(f.gates, " and "));
  }
  if (f.one_thread) {
    w.Line(" note: every dependency of this cycle was taken by one thread (%s)", f.task.name);
  }
  if (!f.gates.empty() || f.one_thread) w.Blank();
  const char* pr = ReadPrefix(f.prev);
  w.Line(" Possible unsafe locking scenario:");
  w.Blank();
  w.Line("       CPU0                    CPU1");
  w.Line("       ----                    ----");
  w.Line("  %slock(%s);", pr, prev_name);
  w.Line("                               lock(%s);", f.parent_class);
  w.Line("                               %slock(%s);", pr, prev_name);
  w.Line("  %slock(%s);", ReadPrefix(f.next), next_name);
  w.Blank();
  w.Line(" *** DEADLOCK ***");
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportBadMap(const BadMapFinding& f) {
  ReportWriter w(ReportKind::kUninitializedLock,
                 "WARNING: use of uninitialized or destroyed lock");
  w.Line("%s is trying to %s lock %p, which %s.", f.task.name, f.action, f.map,
         f.destroyed ? "was destroyed (*_destroy or kfree) before this use"
                     : "was never initialised (*_init or DEFINE_*)");
  if (f.destroyed) w.Raw(f.freed_text);
  if (f.destroyed && !f.class_name.empty()) w.AddClass(f.class_name);
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportUnregisteredKey(const UnregisteredKeyFinding& f) {
  ReportWriter w(ReportKind::kUninitializedLock,
                 "WARNING: use of uninitialized or destroyed lock");
  w.Line("%s is trying to register a non-static key %p for lock %p (%s).", f.task.name,
         f.key, f.map, f.class_name.empty() ? "?" : f.class_name);
  w.Line("A lock_class_key must be static storage or be registered with");
  w.Line("lockdep_register_key(); or the lock was not initialised before use.");
  if (!f.class_name.empty()) w.AddClass(f.class_name);
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportBadUnlock(const BadUnlockFinding& f) {
  ReportWriter w(ReportKind::kBadUnlockBalance, "WARNING: bad unlock balance detected!");
  w.AddClass(f.class_name);
  w.Line("%s is trying to %s lock (%s) at:", f.task.name, f.what, f.class_name);
  w.Line("%s", IpName(f.ip));
  w.Line("but there are no more locks to release!");
  w.Line("(this thread does not hold it: a double unlock, or a lock taken by");
  w.Line("another thread; locks must be released by the thread that took them)");
  w.Blank();
  w.Line("other info that might help us debug this:");
  w.TaskState(f.task);
  w.Emit();
}

void ReportHeldLockFreed(const HeldLockFreedFinding& f) {
  ReportWriter w(ReportKind::kHeldLockFreed, "WARNING: held lock freed!");
  if (f.held) {
    w.AddClass(f.held->class_name);
    w.Line("%s is freeing memory %p-%p, with a lock still held there!", f.task.name,
           f.from, static_cast<const void*>(static_cast<const char*>(f.from) + f.len - 1));
    w.HeldLockLine(" ", *f.held);
  } else {
    w.AddClass(f.class_name);
    w.Line("%s is destroying lock %p (%s), which another thread holds!", f.task.name,
           f.map, f.class_name);
  }
  w.TaskState(f.task);
  w.Emit();
}

void ReportNestNotHeld(const NestNotHeldFinding& f) {
  ReportWriter w(ReportKind::kNestLockNotHeld,
                 "WARNING: nest_lock not held: nested lock was not taken");
  w.AddClass(f.next.class_name);
  w.AddClass(f.nest_class);
  w.Line("%s is trying to lock:", f.task.name);
  w.HeldLockLine(" ", f.next);
  w.Line("under nest_lock (%s), but this task is not holding it.", f.nest_class);
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportChainKeyCollision(const ChainKeyCollisionFinding& f) {
  ReportWriter w(ReportKind::kChainKeyCollision, "BUG: lockdep chain key collision");
  w.AddClass(f.next.class_name);
  w.Line("%s is trying to acquire lock:", f.task.name);
  w.HeldLockLine(" ", f.next);
  w.Line("whose chain key %016llx was cached for a different sequence of held",
         static_cast<unsigned long long>(f.key));
  w.Line("locks (check_chains=1). The chain is validated now; without the");
  w.Line("check its dependencies would have been skipped.");
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportLocksHeld(const LocksHeldFinding& f) {
  ReportWriter w(ReportKind::kLockHeldAtExit, "WARNING: lock held at thread exit!");
  for (const LockRecord& held : f.task.held) w.AddClass(held.class_name);
  w.Line("%s %s with locks still held!", f.task.name, f.why);
  w.TaskState(f.task);
  w.Emit();
}

void ReportAssertFailed(ReportKind kind, std::string title, const AssertFinding& f) {
  ReportWriter w(kind, std::move(title));
  if (!f.class_name.empty()) w.AddClass(f.class_name);
  w.Line("%s %s", f.task.name, f.expectation);
  if (f.map) {
    w.Line(" %p (%s), asserted as %s", f.map, f.class_name.empty() ? "?" : f.class_name,
           f.expr);
  }
  w.Line(" at: %s", IpName(f.ip));
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

void ReportMisuse(ReportKind kind, const char* phrase, const AssertFinding& f) {
  ReportWriter w(kind, std::string("WARNING: ") + phrase);
  if (!f.class_name.empty()) w.AddClass(f.class_name);
  w.Line("%s: %s", f.task.name, f.expectation);
  if (f.map) w.Line(" lock: %p (%s)", f.map, f.class_name.empty() ? "?" : f.class_name);
  w.Line(" at: %s", IpName(f.ip));
  w.Blank();
  w.TaskState(f.task);
  w.Emit();
}

}  // namespace lockdep
