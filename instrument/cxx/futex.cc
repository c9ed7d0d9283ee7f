#include "instrument/cxx/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace lockdep::internal {
namespace {

// The kernel reads the word through a plain pointer; the static_asserts in
// futex.h make that the atomic's own storage.
uint32_t* WordAddress(const std::atomic<uint32_t>* word) {
  return reinterpret_cast<uint32_t*>(const_cast<std::atomic<uint32_t>*>(word));
}

}  // namespace

void FutexWait(const std::atomic<uint32_t>* word, uint32_t expected) {
  const int saved_errno = errno;
  // EAGAIN (word changed) and EINTR (signal) both mean "re-check": the caller
  // loops anyway, so the result is not needed.
  syscall(SYS_futex, WordAddress(word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
  errno = saved_errno;
}

int FutexWake(const std::atomic<uint32_t>* word, int count) {
  const int saved_errno = errno;
  const long woken = syscall(SYS_futex, WordAddress(word), FUTEX_WAKE_PRIVATE,
                             count, nullptr, nullptr, 0);
  errno = saved_errno;
  return woken > 0 ? static_cast<int>(woken) : 0;
}

}  // namespace lockdep::internal
