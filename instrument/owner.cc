#include "instrument/owner.h"

#include <atomic>

namespace lockdep::internal {

constinit thread_local uint32_t t_owner_id = kNoOwner;

uint32_t NewOwnerId() {
  static std::atomic<uint32_t> last{kNoOwner};
  uint32_t id;
  do {
    id = last.fetch_add(1, std::memory_order_relaxed) + 1;
  } while (id == kNoOwner);  // after a wrap
  t_owner_id = id;
  return id;
}

}  // namespace lockdep::internal
