#include "tools/identity_probe_helper.h"

struct mutex* OtherUnitLock() {
  static struct mutex lock;
  probe_init_lock(&lock);
  return &lock;
}
