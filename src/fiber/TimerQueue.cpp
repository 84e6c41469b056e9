#include "fiber/TimerQueue.hpp"

#include <algorithm>
#include <mutex>

namespace ariadne::fiber::detail {

void TimerQueue::add_locked(Clock::time_point deadline, FiberControl* f) {
  heap_.push_back(Entry{deadline, seq_++, f});
  std::push_heap(heap_.begin(), heap_.end(), later);
  publish_next();
}

void TimerQueue::expire(std::vector<FiberControl*>& due) {
  const Clock::time_point next = next_deadline();
  if (next == Clock::time_point::max()) return;
  const Clock::time_point now = Clock::now();
  if (next > now) return;
  // Another worker already expiring is as good as us doing it.
  if (!lock_.try_lock()) return;
  while (!heap_.empty() && heap_.front().deadline <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    due.push_back(heap_.back().fiber);
    heap_.pop_back();
  }
  publish_next();
  lock_.unlock();
}

void TimerQueue::publish_next() noexcept {
  next_.store(
      heap_.empty() ? Clock::duration::max().count() : heap_.front().deadline.time_since_epoch().count(),
      std::memory_order_release);
}

}  // namespace ariadne::fiber::detail
