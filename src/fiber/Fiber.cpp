// Fiber handles, the fiber entry point, this_fiber and fiber-local storage.
#include <stdexcept>
#include <thread>

#include "fiber/FiberControl.hpp"
#include "fiber/SchedulerCore.hpp"
#include "fiber/Waiter.hpp"
#include "fiber/Worker.hpp"

namespace ariadne::fiber {
namespace detail {

namespace {
void destroy_fls(FiberControl& f) noexcept {
  // A destructor may itself touch fiber-locals: pop one slot at a time.
  while (!f.fls.empty()) {
    FlsSlot slot = f.fls.back();
    f.fls.pop_back();
    slot.destroy(slot.value);
  }
}
}  // namespace

// Runs on the new fiber's own stack. Everything with a destructor is gone
// before the last switch, which never returns.
[[noreturn]] void fiber_entry(ariadne_transfer_t t) {
  on_fiber_entry();
  current_worker()->fiber_started(t.from);
  FiberControl* self = current_fiber();
  // From here on only the fiber's function and what it calls are safe
  // points: the library code after it never gives the count back (the last
  // switch does not return).
  self->no_preempt.fetch_sub(1, std::memory_order_relaxed);
  try {
    self->fn();
  } catch (...) {
    self->error = std::current_exception();
  }
  self->no_preempt.fetch_add(1, std::memory_order_relaxed);
  self->fn = nullptr;  // captured state dies on the fiber, like any local
  destroy_fls(*self);
  PostAction action{PostAction::finish};
  current_worker()->suspend_current(action);
  std::abort();  // a finished fiber is never resumed
}

struct ThreadFls {
  std::vector<FlsSlot> slots;
  ~ThreadFls() {
    while (!slots.empty()) {
      FlsSlot slot = slots.back();
      slots.pop_back();
      slot.destroy(slot.value);
    }
  }
};
thread_local ThreadFls tls_fls;

std::vector<FlsSlot>& fls_slots() {
  if (FiberControl* f = current_fiber()) return f->fls;
  return tls_fls.slots;
}

void* fls_get(const void* key) noexcept {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  for (const FlsSlot& s : fls_slots())
    if (s.key == key) return s.value;
  return nullptr;
}

void fls_set(const void* key, void* value, void (*destroy)(void*)) {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  fls_slots().push_back(FlsSlot{key, value, destroy});
}

}  // namespace detail

Fiber& Fiber::operator=(Fiber&& o) noexcept {
  if (this != &o) {
    detach();
    c_ = std::exchange(o.c_, nullptr);
  }
  return *this;
}

Fiber::~Fiber() { detach(); }

void Fiber::detach() noexcept {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  if (c_) std::exchange(c_, nullptr)->release();
}

std::uint64_t Fiber::id() const noexcept { return c_ ? c_->id : 0; }

void Fiber::join() {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  if (!c_) throw std::logic_error("ariadne::fiber::Fiber::join: not joinable");
  detail::FiberControl* f = c_;
  if (f == detail::current_fiber())
    throw std::logic_error("ariadne::fiber::Fiber::join: a fiber cannot join itself");
  f->lock.lock();
  if (!f->done) {
    detail::Waiter w;
    w.fiber = detail::current_fiber();
    f->joiners.push(&w);
    detail::block(w, f->lock);
  } else {
    f->lock.unlock();
  }
  // Moved out, so the exception dies with the joiner's last reference and not
  // in whichever thread drops the control block.
  f->lock.lock();
  std::exception_ptr error = std::move(f->error);
  f->lock.unlock();
  c_ = nullptr;
  f->release();
  if (error) std::rethrow_exception(error);
}

namespace this_fiber {

void yield() {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  detail::Worker* w = detail::current_worker();
  if (!w || !w->current()) {
    std::this_thread::yield();
    return;
  }
  detail::PostAction action{detail::PostAction::yield};
  w->suspend_current(action);
}

void sleep_until(std::chrono::steady_clock::time_point deadline) {
  const NoPreempt in_scheduler;  // Preempt.hpp: library code is no safe point
  detail::FiberControl* f = detail::current_fiber();
  if (!f) {
    std::this_thread::sleep_until(deadline);
    return;
  }
  if (deadline <= std::chrono::steady_clock::now()) {
    yield();
    return;
  }
  detail::TimerQueue& timers = f->sched->timers;
  timers.lock().lock();
  timers.add_locked(deadline, f);
  // A parked worker may be sleeping past this deadline: let it recompute.
  f->sched->wake_idle_worker();
  detail::PostAction action{detail::PostAction::unlock, &timers.lock()};
  detail::current_worker()->suspend_current(action);
}

bool in_fiber() noexcept { return detail::current_fiber() != nullptr; }

std::uint64_t id() noexcept {
  detail::FiberControl* f = detail::current_fiber();
  return f ? f->id : 0;
}

std::string_view name() noexcept {
  detail::FiberControl* f = detail::current_fiber();
  return f ? std::string_view(f->name) : std::string_view();
}

int worker_index() noexcept {
  detail::Worker* w = detail::current_worker();
  return w ? static_cast<int>(w->index()) : -1;
}

}  // namespace this_fiber
}  // namespace ariadne::fiber
