#include "fiber/Worker.hpp"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "fiber/FiberStack.hpp"
#include "fiber/Futex.hpp"
#include "fiber/Preempt.hpp"
#include "fiber/SchedulerCore.hpp"
#include "fiber/StackOverflow.hpp"
#include "fiber/Waiter.hpp"

namespace ariadne::fiber::detail {

namespace {
thread_local Worker* tls_worker = nullptr;

SwitchTarget thread_stack_target() {
  SwitchTarget t;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    std::size_t size = 0;
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    t.stack_bottom = addr;
    t.stack_size = size;
  }
  t.tsan_fiber = tsan_current();
  return t;
}
}  // namespace

#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noinline, noipa))
#endif
Worker*
current_worker() noexcept {
  return tls_worker;
}

void Worker::start() {
  thread_ = std::thread([this] { loop(); });
}

void Worker::loop() {
  tls_worker = this;
  tid_.store(static_cast<pid_t>(::syscall(SYS_gettid)), std::memory_order_release);
  preempt_worker_started(*this);
  install_overflow_handler_for_this_thread();  // fibers overflow on this thread
  loop_target_ = thread_stack_target();
  steal_from_ = index_ + 1;
  while (true) {
    if (FiberControl* f = find_work()) {
      run(f);
      continue;
    }
    if (sched_.stopping.load(std::memory_order_acquire)) break;
    park();
  }
  tls_worker = nullptr;
}

FiberControl* Worker::find_work() {
  due_.clear();
  sched_.timers.expire(due_);
  for (FiberControl* f : due_) queue_.push(f);
  if (due_.size() > 1) sched_.wake_idle_worker();  // let the others share them

  if (FiberControl* f = queue_.pop()) return f;
  const unsigned n = static_cast<unsigned>(sched_.workers.size());
  for (unsigned i = 0; i < n; ++i) {
    Worker& victim = *sched_.workers[(steal_from_ + i) % n];
    if (&victim == this) continue;
    if (FiberControl* f = victim.queue().steal()) {
      steal_from_ = victim.index_;  // it had work; it may have more
      sched_.steals.fetch_add(1, std::memory_order_relaxed);
      return f;
    }
  }
  return nullptr;
}

void Worker::park() {
  const std::uint32_t seq = sched_.wake_seq.load(std::memory_order_seq_cst);
  sched_.idle.fetch_add(1, std::memory_order_seq_cst);
  bool work = sched_.stopping.load(std::memory_order_seq_cst);
  for (auto& w : sched_.workers) work = work || !w->queue().looks_empty();
  const auto next = sched_.timers.next_deadline();
  const auto now = TimerQueue::Clock::now();
  if (!work && next > now) {
    sched_.futex_waits.fetch_add(1, std::memory_order_relaxed);
    if (next == TimerQueue::Clock::time_point::max()) {
      futex_wait(&sched_.wake_seq, seq);
    } else {
      const std::chrono::nanoseconds timeout = next - now;
      futex_wait(&sched_.wake_seq, seq, &timeout);
    }
  }
  sched_.idle.fetch_sub(1, std::memory_order_seq_cst);
}

void Worker::run(FiberControl* f) {
  current_ = f;
  f->last_worker.store(static_cast<int>(index_), std::memory_order_relaxed);
  sched_.switches.fetch_add(1, std::memory_order_relaxed);
  f->record.saved_ctx = nullptr;  // its registers are this thread's now
  f->record.state = ARIADNE_FIBER_RUNNING;
  preempt_slice_begins(*this);
  ariadne_transfer_t t = switch_context(f->ctx, nullptr, f->target);
  preempt_slice_ends(*this);
  // Back on the worker loop: f is fully switched out; only now may anyone
  // else see it (the "switch then publish" rule).
  f->ctx = t.from;
  current_ = nullptr;
  PostAction action = *static_cast<PostAction*>(t.data);
  f->record.saved_ctx = t.from;
  f->record.state = action.kind == PostAction::finish ? ARIADNE_FIBER_DONE : ARIADNE_FIBER_SUSPENDED;
  switch (action.kind) {
    case PostAction::yield:
      queue_.push(f);
      break;
    case PostAction::unlock:
      action.guard->unlock();
      break;
    case PostAction::finish: {
      ariadne_fiber_unregister(&f->record);
      tsan_destroy(f->target.tsan_fiber);
      f->target.tsan_fiber = nullptr;
      free_fiber_stack(*f);
      f->lock.lock();
      f->done = true;
      Waiter* w = f->joiners.head;
      f->joiners = WaitList{};
      f->lock.unlock();
      while (w) {
        Waiter* next = w->next;
        wake(*w);
        w = next;
      }
      f->release();
      sched_.fiber_finished();
      break;
    }
  }
}

void Worker::suspend_current(PostAction& action) {
  const bool exiting = action.kind == PostAction::finish;
  ariadne_transfer_t t = switch_context(loop_ctx_, &action, loop_target_, exiting);
  // Resumed, perhaps by another worker: `this` is stale here.
  current_worker()->loop_ctx_ = t.from;
}

}  // namespace ariadne::fiber::detail
