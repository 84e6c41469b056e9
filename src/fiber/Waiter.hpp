// Blocking and waking, the same for fibers and plain OS threads: a waiter
// records who is blocked; block() gives up the CPU, wake() makes it runnable.
#ifndef ARIADNE_FIBER_WAITER_HPP
#define ARIADNE_FIBER_WAITER_HPP

#include <atomic>
#include <cstdint>

#include "ariadne/fiber.hpp"

namespace ariadne::fiber::detail {

struct Waiter {
  FiberControl* fiber = nullptr;  // null: an OS thread, sleeping on `woken`
  std::atomic<std::uint32_t> woken{0};
  Waiter* next = nullptr;
};

// The fiber running on this thread, or nullptr on a plain thread.
FiberControl* current_fiber() noexcept;

// Called with `guard` held and `w` already linked into a list that `guard`
// protects. Releases `guard` only once the caller can no longer run (a fiber:
// after it has switched out), so whoever pops `w` under `guard` can wake it
// without racing the suspension. Returns after wake(w).
void block(Waiter& w, SpinLock& guard);
// `w` must have been unlinked by the caller; `w` may be gone when this returns.
void wake(Waiter& w) noexcept;

}  // namespace ariadne::fiber::detail

#endif
