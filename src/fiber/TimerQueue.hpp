// Sleeping fibers, in a min-heap on their deadline.
#ifndef ARIADNE_FIBER_TIMER_QUEUE_HPP
#define ARIADNE_FIBER_TIMER_QUEUE_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "ariadne/fiber.hpp"

namespace ariadne::fiber::detail {

class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // Caller holds lock(); the fiber is added, the caller then blocks on lock().
  void add_locked(Clock::time_point deadline, FiberControl* f);
  // Appends every fiber whose deadline has passed to `due`, earliest first.
  // Reads the clock only when some fiber sleeps: this runs every time a
  // worker looks for work.
  void expire(std::vector<FiberControl*>& due);
  // The earliest deadline, without locking (Clock::time_point::max() if none).
  Clock::time_point next_deadline() const noexcept {
    return Clock::time_point(Clock::duration(next_.load(std::memory_order_acquire)));
  }
  SpinLock& lock() noexcept { return lock_; }

 private:
  struct Entry {
    Clock::time_point deadline;
    std::uint64_t seq;  // equal deadlines wake in the order they slept
    FiberControl* fiber;
  };
  static bool later(const Entry& a, const Entry& b) noexcept {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
  }
  void publish_next() noexcept;

  SpinLock lock_;
  std::vector<Entry> heap_;
  std::uint64_t seq_ = 0;
  std::atomic<Clock::rep> next_{Clock::duration::max().count()};
};

}  // namespace ariadne::fiber::detail

#endif
