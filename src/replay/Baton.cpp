// The baton: which thread of the program runs. Record decides (round robin
// over the threads that queued) and logs every change of hands; replay
// decides nothing: the thread whose event comes next in the log runs.
#include "replay/Baton.hpp"

#include <linux/futex.h>

#include "arch/RawSyscall.hpp"
#include "replay/Chaos.hpp"
#include "replay/ReplayLog.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::replay {

namespace {

constinit ReplayThread g_threads[kMaxThreads];

// Record: the run queue (oldest first) and the holder, under a futex lock
// (threads coming back from a blocking call queue while the holder runs).
constinit std::atomic<std::uint32_t> g_qlock{0};
constinit std::uint32_t g_queue[kMaxThreads];
constinit std::uint32_t g_qlen = 0;
constinit std::uint32_t g_holder = 0;

// Replay: whose turn it is (the thread of the next event); kNoThread when the
// log ended before the program's exit, kFinished after it.
constexpr std::uint32_t kFinished = kNoThread - 1;
constinit std::atomic<std::uint32_t> g_current{0};
// Replay of a recording that ended in a crash (a fault killed it: no exit
// event): at the end of the log the thread that held the baton runs on, to
// its crash.
constinit bool g_ends_in_crash = false;

constinit std::uint64_t g_wait_seq = 0;
// Threads in a runtime wait (kWaiting); changed by the baton holder only,
// the same in record and replay.
constinit std::uint32_t g_waiters = 0;

void futex_wait(std::atomic<std::uint32_t>* w, std::uint32_t val) noexcept {
  raw_syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, 0L, 0L, 0);
}
void futex_wake(std::atomic<std::uint32_t>* w) noexcept {
  raw_syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, 0L, 0L, 0);
}

void lock_q() noexcept {
  std::uint32_t c = 0;
  if (g_qlock.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
  if (c != 2) c = g_qlock.exchange(2, std::memory_order_acquire);
  while (c != 0) {
    futex_wait(&g_qlock, 2);
    c = g_qlock.exchange(2, std::memory_order_acquire);
  }
}
void unlock_q() noexcept {
  if (g_qlock.exchange(0, std::memory_order_release) == 2) futex_wake(&g_qlock);
}

void push(std::uint32_t index) noexcept { g_queue[g_qlen++] = index; }
// Takes the queued thread at `at` (the head in round robin; chaos mode
// picks anywhere, Chaos.hpp).
std::uint32_t take(int at) noexcept {
  const auto k = static_cast<std::uint32_t>(at);
  const std::uint32_t i = g_queue[k];
  for (std::uint32_t j = k + 1; j < g_qlen; ++j) g_queue[j - 1] = g_queue[j];
  --g_qlen;
  return i;
}

void hand_go(std::uint32_t index) noexcept {
  ReplayThread& t = g_threads[index];
  t.go.store(1, std::memory_order_release);
  futex_wake(&t.go);
}

void wait_go(ReplayThread* me) noexcept {
  while (me->go.load(std::memory_order_acquire) == 0) futex_wait(&me->go, 0);
  me->go.store(0, std::memory_order_relaxed);
}

void log_handoff(ReplayThread* me, Reason why, std::uint32_t to) noexcept {
  EventHead h = event_by(me, EventKind::handoff);
  h.reason = why;
  h.a = to;
  append_event(h, nullptr, 0);
}

// Replay: the thread's handoff must be the next event.
void replay_handoff(ReplayThread* me, Reason why) noexcept {
  EventView ev;
  expect_event(me, EventKind::handoff, ev);
  if (ev.head.reason != why)
    diverge(me, ev, "expected a hand-off (%s), found a hand-off (%s)", reason_name(why),
            reason_name(ev.head.reason));
  consume(me, ev);
}

}  // namespace

ReplayThread* thread_slot(std::uint32_t index) noexcept { return &g_threads[index]; }

void set_ends_in_crash() noexcept { g_ends_in_crash = true; }

void set_first_holder(ReplayThread* main_thread) noexcept {
  g_holder = main_thread->index;
  g_current.store(main_thread->index, std::memory_order_relaxed);
}

// ---------------------------------------------------------------- record

void record_release(ReplayThread* me, Reason why) noexcept {
  lock_q();
  const int at = chaos::choose(g_queue, g_qlen, me->index, false);
  const std::uint32_t to = at >= 0 ? take(at) : kNoThread;
  // Logged before the baton is free: nobody else may log until then.
  log_handoff(me, why, to);
  g_holder = to;
  unlock_q();
  if (to != kNoThread) hand_go(to);
}

void record_acquire(ReplayThread* me) noexcept {
  lock_q();
  if (g_holder == kNoThread) {
    g_holder = me->index;
    unlock_q();
    EventHead h = event_by(me, EventKind::acquire);
    append_event(h, nullptr, 0);
  } else {
    push(me->index);
    unlock_q();
    wait_go(me);
  }
  me->state.store(kRunning, std::memory_order_relaxed);
  me->budget = current_ticks() + chaos::turn_budget(quantum());
}

void record_queue_new_thread(std::uint32_t index) noexcept {
  lock_q();
  push(index);
  unlock_q();
}

void record_first_turn(ReplayThread* me) noexcept {
  wait_go(me);
  me->state.store(kRunning, std::memory_order_relaxed);
  me->budget = current_ticks() + chaos::turn_budget(quantum());
}

// ---------------------------------------------------------------- replay

void replay_turn(ReplayThread* me) noexcept {
  for (;;) {
    const std::uint32_t current = g_current.load(std::memory_order_acquire);
    if (current == me->index) break;
    // The log ended (a killed recording): nobody's turn comes again.
    if (current == kNoThread) log_ended(me);
    // The program's exit was replayed: the exiting thread ends the process;
    // the others wait for that, as they did when recorded.
    if (current == kFinished) {
      for (;;) futex_wait(&me->go, me->go.load(std::memory_order_relaxed));
    }
    futex_wait(&me->go, 0);
    me->go.store(0, std::memory_order_relaxed);
  }
  // A free baton taken after a blocking call: this thread's own event.
  EventView ev;
  if (peek_event(ev) && ev.head.thread == me->index && ev.head.kind == EventKind::acquire) consume(me, ev);
  me->state.store(kRunning, std::memory_order_relaxed);
  set_replay_budget(me);
}

void consume(ReplayThread* me, const EventView& ev) noexcept {
  advance_event(ev);
  after_event(me, ev);
  EventView next;
  if (!peek_event(next)) {
    std::uint32_t last = ev.head.kind == EventKind::exit ? kFinished : kNoThread;
    if (g_ends_in_crash && ev.head.kind != EventKind::exit)
      last = ev.head.kind == EventKind::handoff ? static_cast<std::uint32_t>(ev.head.a) : ev.head.thread;
    if (last >= kMaxThreads && last != kFinished) last = kNoThread;
    g_current.store(last, std::memory_order_release);
    if (last < kMaxThreads && last != me->index) hand_go(last);
    return;
  }
  const std::uint32_t nt = next.head.thread;
  g_current.store(nt, std::memory_order_release);
  if (nt != me->index && nt < kMaxThreads) hand_go(nt);
}

void set_replay_budget(ReplayThread* me) noexcept {
  EventView ev;
  me->budget = ~std::uint64_t{0};
  // The thread's next stop at a tick: a hand-off or a signal let through there.
  if (peek_event(ev) && ev.head.thread == me->index && ev.head.reason == Reason::budget &&
      (ev.head.kind == EventKind::handoff || ev.head.kind == EventKind::signal))
    me->budget = ev.head.ticks;
}

// ---------------------------------------------------------------- both

bool yield(ReplayThread* me, Reason why) noexcept {
  // A yield asked for by the program is a point of its own (two in a row
  // with no call between must not be confused in replay); a budget is not,
  // nor a chaos point (chaos_point counted it).
  if (why != Reason::budget && why != Reason::preempt) ++me->points;
  if (mode() == Mode::record) {
    lock_q();
    // At the end of a turn the thread may be chosen again (chaos mode).
    const int at = chaos::choose(g_queue, g_qlen, me->index, why == Reason::budget);
    if (at < 0) {
      unlock_q();
      return false;
    }
    const std::uint32_t to = take(at);
    push(me->index);
    me->state.store(kRunnable, std::memory_order_relaxed);
    log_handoff(me, why, to);
    g_holder = to;
    unlock_q();
    hand_go(to);
    wait_go(me);
    me->state.store(kRunning, std::memory_order_relaxed);
    me->budget = current_ticks() + chaos::turn_budget(quantum());
    return true;
  }
  EventView ev;
  if (!peek_event(ev) || ev.head.thread != me->index || ev.head.kind != EventKind::handoff ||
      ev.head.reason != why || ev.head.points != me->points)
    return false;
  check_position(me, ev);
  consume(me, ev);
  replay_turn(me);
  return true;
}

void chaos_point(ReplayThread* me) noexcept {
  // Counted in both runs, chaos or not: each point is a position of its own.
  ++me->points;
  if (me->in_stream != 0) return;
  if (mode() == Mode::record) {
    // Once the exit is logged the process is ending: nobody else runs.
    if (!chaos::on() || exit_logged()) return;
    lock_q();
    const bool preempt = chaos::switch_at_point(g_queue, g_qlen, me->index);
    unlock_q();
    if (preempt) yield(me, Reason::preempt);
    return;
  }
  yield(me, Reason::preempt);  // replay: only if the log has it here
}

void release_for_blocking_call(ReplayThread* me) noexcept {
  if (mode() == Mode::record) {
    record_release(me, Reason::blocking);
  } else {
    replay_handoff(me, Reason::blocking);
  }
  me->state.store(kBlocked, std::memory_order_relaxed);
}

void reacquire_after_blocking_call(ReplayThread* me) noexcept {
  if (mode() == Mode::record) {
    record_acquire(me);
  } else {
    replay_turn(me);
  }
}

void wait_on(ReplayThread* me, const void* addr) noexcept {
  me->wait_addr = addr;
  me->wait_seq = ++g_wait_seq;
  ++g_waiters;
  me->state.store(kWaiting, std::memory_order_relaxed);
  if (mode() == Mode::record) {
    record_release(me, Reason::wait);
    wait_go(me);
    me->state.store(kRunning, std::memory_order_relaxed);
    me->budget = current_ticks() + chaos::turn_budget(quantum());
  } else {
    replay_handoff(me, Reason::wait);
    replay_turn(me);
  }
  me->wait_addr = nullptr;
}

int wake(const void* addr, int n) noexcept {
  // Most unlocks find nobody waiting: no scan, no lock. Who waits on what
  // changes only by the holder's hand (wait_on, here), so the waiters are
  // chosen without the lock; only the run queue needs it. (A thread in
  // pthread_join waits for the whole run: every unlock took the lock.)
  if (g_waiters == 0) return 0;
  int woken = 0;
  const bool record = mode() == Mode::record;
  const std::uint32_t count = thread_count();
  while (woken < n) {
    ReplayThread* pick = nullptr;
    for (std::uint32_t i = 0; i < count; ++i) {
      ReplayThread& t = g_threads[i];
      if (t.state.load(std::memory_order_relaxed) != kWaiting || t.wait_addr != addr) continue;
      if (pick == nullptr || t.wait_seq < pick->wait_seq) pick = &t;
    }
    if (pick == nullptr) break;
    --g_waiters;
    pick->state.store(kRunnable, std::memory_order_relaxed);
    if (record) {
      lock_q();
      push(pick->index);
      unlock_q();
    }
    ++woken;
  }
  return woken;
}

int requeue(const void* from, const void* to, int n) noexcept {
  int moved = 0;
  const std::uint32_t count = thread_count();
  for (std::uint32_t i = 0; i < count && moved < n; ++i) {
    ReplayThread& t = g_threads[i];
    if (t.state.load(std::memory_order_relaxed) != kWaiting || t.wait_addr != from) continue;
    t.wait_addr = to;
    ++moved;
  }
  return moved;
}

void thread_exit_handoff(ReplayThread* me) noexcept {
  me->state.store(kExited, std::memory_order_relaxed);
  if (mode() == Mode::record) {
    record_release(me, Reason::exit);
  } else {
    replay_handoff(me, Reason::exit);
  }
}

}  // namespace ariadne::replay
