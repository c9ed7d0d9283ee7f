#include "instrument/cxx/cond_var.h"

#include "instrument/cxx/class_registry.h"

namespace lockdep {

CondVar::CondVar(const char* name, LockSite site) {
  const internal::SiteClass c = internal::ClassForSite(site.file, site.line, name);
  lockdep_event_init(&event_, c.name, c.key, kLockdepEventCondition);
}

CondVar::CondVar(lock_class_key& key, const char* name) {
  lockdep_event_init(&event_, name, &key, kLockdepEventCondition);
}

[[gnu::noinline]] void CondVar::notify_one() {
  lockdep_event_signal(&event_, LOCKDEP_CONDVAR_RET_IP);
  cv_.notify_one();
}

[[gnu::noinline]] void CondVar::notify_all() {
  lockdep_event_signal(&event_, LOCKDEP_CONDVAR_RET_IP);
  cv_.notify_all();
}

}  // namespace lockdep
