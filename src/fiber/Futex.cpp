#include "fiber/Futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace ariadne::fiber::detail {

// The word is private to this process: FUTEX_PRIVATE_FLAG skips the
// shared-mapping lookup in the kernel.
void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                const std::chrono::nanoseconds* timeout) noexcept {
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (timeout) {
    auto ns = timeout->count() < 0 ? 0 : timeout->count();
    ts.tv_sec = static_cast<time_t>(ns / 1000000000);
    ts.tv_nsec = static_cast<long>(ns % 1000000000);
    tsp = &ts;
  }
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, tsp, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>* word, int count) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

}  // namespace ariadne::fiber::detail
