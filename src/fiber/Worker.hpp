// One worker OS thread: runs fibers from its own RunQueue, steals from the
// others when it has none, expires timers, and parks on the scheduler's futex
// when there is nothing at all to do.
#ifndef ARIADNE_FIBER_WORKER_HPP
#define ARIADNE_FIBER_WORKER_HPP

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "arch/context.h"
#include "fiber/FiberControl.hpp"
#include "fiber/RunQueue.hpp"
#include "fiber/SwitchHooks.hpp"

namespace ariadne::fiber::detail {

// What a fiber asks its worker to do once it has switched out ("switch then
// publish": nothing may resume the fiber before its context is saved).
struct PostAction {
  enum Kind { yield, unlock, finish } kind;
  SpinLock* guard = nullptr;  // for `unlock`
};

class Worker {
 public:
  Worker(SchedulerCore& sched, unsigned index) : sched_(sched), index_(index) {}
  void start();
  void join() { thread_.join(); }

  RunQueue& queue() noexcept { return queue_; }
  unsigned index() const noexcept { return index_; }
  SchedulerCore& sched() noexcept { return sched_; }
  FiberControl* current() const noexcept { return current_; }
  pid_t tid() const noexcept { return tid_.load(std::memory_order_acquire); }

  // Preemption state, shared with the ticker thread and the signal handler
  // (Preempt.cpp). run_seq counts the fibers this worker started running; a
  // slice is over when due_seq equals it. tick_budget is the runtime's
  // budget for this thread (trace::set_tick_budget): 0 sends the next
  // instrumented entry to the tick handler.
  std::atomic<std::uint64_t> run_seq{0};
  std::atomic<std::uint64_t> due_seq{~std::uint64_t{0}};
  std::atomic<std::int64_t> slice_start_ns{0};
  std::atomic<bool> running{false};
  std::atomic<bool> signal_sent{false};  // a level-2 signal is on its way
  std::atomic<std::uint64_t> tick_budget{~std::uint64_t{0}};

  // Called on a fiber's stack: switch to this worker's loop, which performs
  // `action` once the fiber is saved. Returns when the fiber is resumed (by
  // whichever worker). Never returns for PostAction::finish.
  void suspend_current(PostAction& action);
  // A new fiber's first instructions: record the context that started it.
  void fiber_started(ariadne_ctx_t from) noexcept { loop_ctx_ = from; }

 private:
  void loop();
  void run(FiberControl* f);
  FiberControl* find_work();
  void park();

  SchedulerCore& sched_;
  const unsigned index_;
  std::thread thread_;
  std::atomic<pid_t> tid_{0};
  RunQueue queue_;
  FiberControl* current_ = nullptr;
  ariadne_ctx_t loop_ctx_ = nullptr;  // the worker loop, while a fiber runs
  SwitchTarget loop_target_;          // the worker thread's own stack
  std::vector<FiberControl*> due_;
  unsigned steal_from_ = 0;
};

// The worker running on this OS thread, or nullptr. Not inlined and opaque to
// IPA: after a switch the same code may run on another thread, and a cached
// TLS address would be the previous thread's.
Worker* current_worker() noexcept;

}  // namespace ariadne::fiber::detail

#endif
