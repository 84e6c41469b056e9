// State shared by a scheduler's workers.
#ifndef ARIADNE_FIBER_SCHEDULER_CORE_HPP
#define ARIADNE_FIBER_SCHEDULER_CORE_HPP

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "ariadne/fiber.hpp"
#include "fiber/Preempt.hpp"
#include "fiber/TimerQueue.hpp"
#include "fiber/Worker.hpp"

namespace ariadne::fiber::detail {

struct SchedulerCore {
  explicit SchedulerCore(Scheduler* owner, SchedulerOptions options = {}) : owner(owner), options(options) {}
  ~SchedulerCore();

  // Makes f runnable: on the calling worker's queue if it belongs to this
  // scheduler (cache-warm), else round-robin; wakes a parked worker.
  void schedule(FiberControl* f);
  void wake_idle_worker() noexcept;
  // A fiber finished; wakes ~Scheduler when it was the last.
  void fiber_finished() noexcept;

  Scheduler* owner;
  const SchedulerOptions options;
  std::unique_ptr<PreemptTicker> ticker;  // set while time_slice > 0 and the runtime is there
  std::vector<std::unique_ptr<Worker>> workers;
  TimerQueue timers;

  // Idle workers sleep on wake_seq; every schedule() bumps it first, so a
  // worker that read it before finding the queues empty cannot miss the push.
  std::atomic<std::uint32_t> wake_seq{0};
  std::atomic<std::uint32_t> idle{0};
  std::atomic<bool> stopping{false};

  std::atomic<std::uint64_t> live{0};         // spawned, not yet finished
  std::atomic<std::uint32_t> drained_seq{0};  // ~Scheduler sleeps on this
  std::atomic<std::uint32_t> round_robin{0};

  std::atomic<std::uint64_t> spawned{0}, switches{0}, steals{0}, futex_waits{0};
  std::atomic<std::uint64_t> preempt_entry{0}, preempt_async{0}, preempt_deferred{0};
};

}  // namespace ariadne::fiber::detail

#endif
