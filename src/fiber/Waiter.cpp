#include "fiber/Waiter.hpp"

#include <sched.h>

#include "fiber/FiberControl.hpp"
#include "fiber/Futex.hpp"
#include "fiber/SchedulerCore.hpp"
#include "fiber/Worker.hpp"

namespace ariadne::fiber::detail {

// Critical sections are a few instructions, but the holder may be a worker
// preempted by the OS (2 cores shared by many threads): spin briefly, then
// give the CPU away instead of burning it.
void SpinLock::lock_slow() noexcept {
  for (int i = 0;; ++i) {
    if (!held_.load(std::memory_order_relaxed) && !held_.exchange(true, std::memory_order_acquire)) return;
    if (i >= 64) sched_yield();
  }
}

void WaitList::push(Waiter* w) noexcept {
  w->next = nullptr;
  if (tail)
    tail->next = w;
  else
    head = w;
  tail = w;
}

Waiter* WaitList::pop() noexcept {
  Waiter* w = head;
  if (w) {
    head = w->next;
    if (!head) tail = nullptr;
    w->next = nullptr;
  }
  return w;
}

FiberControl* current_fiber() noexcept {
  Worker* worker = current_worker();
  return worker ? worker->current() : nullptr;
}

void block(Waiter& w, SpinLock& guard) {
  if (w.fiber) {
    Worker* worker = current_worker();
    PostAction action{PostAction::unlock, &guard};
    worker->suspend_current(action);
    return;
  }
  guard.unlock();
  while (w.woken.load(std::memory_order_acquire) == 0) futex_wait(&w.woken, 0);
}

void wake(Waiter& w) noexcept {
  if (FiberControl* f = w.fiber) {
    f->sched->schedule(f);
    return;
  }
  w.woken.store(1, std::memory_order_release);
  futex_wake(&w.woken, 1);
}

}  // namespace ariadne::fiber::detail
