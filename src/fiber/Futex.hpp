// The one kernel primitive idle workers and blocked OS threads sleep on.
#ifndef ARIADNE_FIBER_FUTEX_HPP
#define ARIADNE_FIBER_FUTEX_HPP

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ariadne::fiber::detail {

// Sleeps while *word == expected (or until `timeout` elapses, if given).
// Spurious returns are allowed; callers re-check their condition.
void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                const std::chrono::nanoseconds* timeout = nullptr) noexcept;
void futex_wake(std::atomic<std::uint32_t>* word, int count) noexcept;

}  // namespace ariadne::fiber::detail

#endif
