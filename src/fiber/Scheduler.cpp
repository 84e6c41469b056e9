#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "fiber/FiberControl.hpp"
#include "fiber/FiberStack.hpp"
#include "fiber/Futex.hpp"
#include "fiber/Preempt.hpp"
#include "fiber/SchedulerCore.hpp"
#include "fiber/Waiter.hpp"

namespace ariadne::fiber {
namespace detail {

[[noreturn]] void fiber_entry(ariadne_transfer_t t);

namespace {
std::atomic<std::uint64_t> next_fiber_id{1};
}

void SchedulerCore::schedule(FiberControl* f) {
  Worker* w = current_worker();
  if (!w || &w->sched() != this) {
    const unsigned n = static_cast<unsigned>(workers.size());
    w = workers[round_robin.fetch_add(1, std::memory_order_relaxed) % n].get();
  }
  w->queue().push(f);
  wake_idle_worker();
}

void SchedulerCore::wake_idle_worker() noexcept {
  wake_seq.fetch_add(1, std::memory_order_seq_cst);
  if (idle.load(std::memory_order_seq_cst) > 0) futex_wake(&wake_seq, 1);
}

void SchedulerCore::fiber_finished() noexcept {
  if (live.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    drained_seq.fetch_add(1, std::memory_order_release);
    futex_wake(&drained_seq, INT32_MAX);
  }
}

SchedulerCore::~SchedulerCore() = default;

}  // namespace detail

namespace {
// ARIADNE_FIBER_TIME_SLICE_US=N turns preemption on (N microseconds) for
// schedulers made without options: a way to run a program's or a test
// suite's fibers preemptively without changing it.
SchedulerOptions default_options() {
  SchedulerOptions o;
  if (const char* us = std::getenv("ARIADNE_FIBER_TIME_SLICE_US"))
    o.time_slice = std::chrono::microseconds(std::atoll(us));
  return o;
}
}  // namespace

Scheduler::Scheduler(unsigned workers) : Scheduler(workers, default_options()) {}

Scheduler::Scheduler(unsigned workers, SchedulerOptions options)
    : core_(std::make_unique<detail::SchedulerCore>(this, options)) {
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  detail::find_stack_switch_hook();
  for (unsigned i = 0; i < workers; ++i)
    core_->workers.push_back(std::make_unique<detail::Worker>(*core_, i));
  // The runtime is looked up (and the ticker started) before any worker
  // runs: each worker reads at its start whether preemption is on.
  core_->ticker = detail::start_preemption(*core_);
  for (auto& w : core_->workers) w->start();
}

Scheduler::~Scheduler() {
  detail::Worker* self = detail::current_worker();
  if (self && &self->sched() == core_.get()) {
    // Waiting for our own fibers from one of them can never finish.
    std::abort();
  }
  while (true) {
    const std::uint32_t seq = core_->drained_seq.load(std::memory_order_acquire);
    if (core_->live.load(std::memory_order_acquire) == 0) break;
    detail::futex_wait(&core_->drained_seq, seq);
  }
  core_->ticker.reset();  // no signal may reach a worker that is gone
  core_->stopping.store(true, std::memory_order_seq_cst);
  core_->wake_seq.fetch_add(1, std::memory_order_seq_cst);
  detail::futex_wake(&core_->wake_seq, INT32_MAX);
  for (auto& w : core_->workers) w->join();
}

Fiber Scheduler::spawn(std::string name, std::function<void()> fn, std::size_t stack_size) {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  if (!fn) throw std::invalid_argument("ariadne::fiber::spawn: empty function");
  auto* f = new detail::FiberControl;
  f->name = std::move(name);
  try {
    detail::allocate_fiber_stack(*f, stack_size);
  } catch (...) {
    delete f;
    throw;
  }
  f->id = detail::next_fiber_id.fetch_add(1, std::memory_order_relaxed);
  f->stack_state.id = f->id;
  f->target.stack_state = &f->stack_state;
  f->fn = std::move(fn);
  f->sched = core_.get();
  f->ctx = ariadne_ctx_make(f->stack->top(), f->stack->size(), detail::fiber_entry);
  f->target.tsan_fiber = detail::tsan_create(f->name.c_str());
  f->record.name = f->name.c_str();
  f->record.saved_ctx = f->ctx;
  f->record.state = ARIADNE_FIBER_READY;
  f->record.id = static_cast<std::uint32_t>(f->id);
  ariadne_fiber_register(&f->record);
  core_->live.fetch_add(1, std::memory_order_acq_rel);
  core_->spawned.fetch_add(1, std::memory_order_relaxed);
  core_->schedule(f);
  return Fiber(f);
}

void Scheduler::run(std::function<void()> main_fn) { spawn("main", std::move(main_fn)).join(); }

unsigned Scheduler::worker_count() const noexcept { return static_cast<unsigned>(core_->workers.size()); }

SchedulerStats Scheduler::stats() const noexcept {
  SchedulerStats s;
  s.fibers_spawned = core_->spawned.load(std::memory_order_relaxed);
  s.switches = core_->switches.load(std::memory_order_relaxed);
  s.steals = core_->steals.load(std::memory_order_relaxed);
  s.futex_waits = core_->futex_waits.load(std::memory_order_relaxed);
  s.preemptions_at_entry = core_->preempt_entry.load(std::memory_order_relaxed);
  s.preemptions_async = core_->preempt_async.load(std::memory_order_relaxed);
  s.preemptions_deferred = core_->preempt_deferred.load(std::memory_order_relaxed);
  return s;
}

Scheduler* Scheduler::current() noexcept {
  detail::Worker* w = detail::current_worker();
  return w ? w->sched().owner : nullptr;
}

Fiber spawn(std::string name, std::function<void()> fn, std::size_t stack_size) {
  Scheduler* s = Scheduler::current();
  if (!s) throw std::logic_error("ariadne::fiber::spawn: not on a scheduler's worker; use Scheduler::spawn");
  return s->spawn(std::move(name), std::move(fn), stack_size);
}

}  // namespace ariadne::fiber
