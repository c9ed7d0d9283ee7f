// TEMPORARY: no-op hooks so instrument/ and tests/ compile while the validator
// is written. Deleted when runtime/validator.cc lands.
#include "runtime/lockdep.h"
#include "runtime/report.h"
void lockdep_init_map(lockdep_map* m, const char* n, lock_class_key* k, int s) {
  m->key = k; m->name = n; m->subclass = s; m->state.store(kLockdepMapLive);
}
void lockdep_destroy_map(lockdep_map* m, int) { m->state.store(kLockdepMapDestroyed); }
void lock_acquire(lockdep_map*, unsigned, int, int, int, lockdep_map*, unsigned long) {}
void lock_release(lockdep_map*, unsigned long) {}
void lock_downgrade(lockdep_map*, int, unsigned long) {}
int lock_is_held_type(const lockdep_map*, int) { return 1; }
void lockdep_assert_held_hook(const lockdep_map*, int, const char*, unsigned long) {}
void lockdep_assert_not_held_hook(const lockdep_map*, const char*, unsigned long) {}
void lockdep_assert_none_held_hook(unsigned long) {}
void debug_check_no_locks_freed(const void*, unsigned long) {}
void debug_check_no_locks_held() {}
void lockdep_register_key(lock_class_key*) {}
void lockdep_unregister_key(lock_class_key*) {}
void lockdep_off() {}
void lockdep_on() {}
void lockdep_might_sleep(const char*, int, unsigned long) {}
namespace lockdep {
const char* ReportKindName(ReportKind) { return ""; }
std::vector<Report> CollectedReports() { return {}; }
size_t ReportCount() { return 0; }
void ClearReports() {}
void ResetForTesting() {}
bool ValidationEnabled() { return true; }
void SetReportSink(ReportSink) {}
}  // namespace lockdep
