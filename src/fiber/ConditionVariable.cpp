#include "fiber/Waiter.hpp"

namespace ariadne::fiber {

void ConditionVariable::wait(std::unique_lock<Mutex>& lock) {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  spin_.lock();
  detail::Waiter w;
  w.fiber = detail::current_fiber();
  waiters_.push(&w);
  // Queued before the mutex is released: a notify after this point finds us.
  lock.unlock();
  detail::block(w, spin_);
  lock.lock();
}

void ConditionVariable::notify_one() noexcept {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  spin_.lock();
  detail::Waiter* w = waiters_.pop();
  spin_.unlock();
  if (w) detail::wake(*w);
}

void ConditionVariable::notify_all() noexcept {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  spin_.lock();
  detail::Waiter* w = waiters_.head;
  waiters_ = detail::WaitList{};
  spin_.unlock();
  while (w) {
    detail::Waiter* next = w->next;
    detail::wake(*w);
    w = next;
  }
}

}  // namespace ariadne::fiber
