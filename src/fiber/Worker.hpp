// One worker OS thread: runs fibers from its own RunQueue, steals from the
// others when it has none, expires timers, and parks on the scheduler's futex
// when there is nothing at all to do.
#ifndef ARIADNE_FIBER_WORKER_HPP
#define ARIADNE_FIBER_WORKER_HPP

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
