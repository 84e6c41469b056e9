// A worker's queue of runnable fibers. The owner takes from the front (FIFO
// keeps yield fair); thieves take from the back, the fibers least likely to
// have warm caches on the owner.
#ifndef ARIADNE_FIBER_RUN_QUEUE_HPP
#define ARIADNE_FIBER_RUN_QUEUE_HPP

#include <atomic>
#include <cstddef>
#include <deque>
#include <mutex>

#include "ariadne/fiber.hpp"

namespace ariadne::fiber::detail {

class RunQueue {
 public:
  void push(FiberControl* f) {
    std::lock_guard g(lock_);
    q_.push_back(f);
    size_.store(q_.size(), std::memory_order_release);
  }
  FiberControl* pop() { return take(true); }
  FiberControl* steal() { return take(false); }
  // A hint only: lets idle workers skip empty queues without locking.
  bool looks_empty() const noexcept { return size_.load(std::memory_order_acquire) == 0; }

 private:
  FiberControl* take(bool front) {
    if (looks_empty()) return nullptr;
    std::lock_guard g(lock_);
    if (q_.empty()) return nullptr;
    FiberControl* f;
    if (front) {
      f = q_.front();
      q_.pop_front();
    } else {
      f = q_.back();
      q_.pop_back();
    }
    size_.store(q_.size(), std::memory_order_release);
    return f;
  }
  SpinLock lock_;
  std::deque<FiberControl*> q_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace ariadne::fiber::detail

#endif
