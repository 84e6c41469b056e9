// A stop request that wakes a worker thread at once: the threads `ariadne
// record` runs beside PROG (the drainer, the compressor) wait between passes,
// and PROG's end must not wait for them to wake up by themselves (that was up
// to 26 ms more of every recording's wall time, for an empty program too).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ariadne::cli {

class StopSignal {
 public:
  // True while no stop was asked; for code that polls (SegmentCompressor::pass).
  const std::atomic<bool>* going() const { return &going_; }
  bool stopped() const { return !going_.load(); }

  // Sleeps for `d` or until stop(); true when stopped.
  template <typename Duration>
  bool wait_for(Duration d) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, d, [this] { return !going_.load(); });
  }

  void stop() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      going_.store(false);
    }
    cv_.notify_all();
  }

  void reset() { going_.store(true); }

 private:
  std::atomic<bool> going_{true};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace ariadne::cli
