#include <mutex>

#include "fiber/Waiter.hpp"

namespace ariadne::fiber {

void Mutex::lock() {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  spin_.lock();
  if (!locked_) {
    locked_ = true;
    spin_.unlock();
    return;
  }
  detail::Waiter w;
  w.fiber = detail::current_fiber();
  waiters_.push(&w);
  detail::block(w, spin_);
  // unlock() handed the mutex to us: locked_ stayed true.
}

bool Mutex::try_lock() noexcept {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  std::lock_guard g(spin_);
  if (locked_) return false;
  locked_ = true;
  return true;
}

void Mutex::unlock() noexcept {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  spin_.lock();
  detail::Waiter* w = waiters_.pop();
  if (!w) locked_ = false;
  spin_.unlock();
  // Popped under spin_, which the waiter's worker released only after the
  // waiter switched out: it is safe to make it runnable now.
  if (w) detail::wake(*w);
}

}  // namespace ariadne::fiber
