// Asynchronous signals in a replayable run (docs/replay.md, "Signals"): they
// stay blocked in the kernel on every thread of the program, and are let
// through only at the runtime's points -- the end of an intercepted call, a
// tick budget -- where each is logged (record) or re-sent to the thread from
// the log (replay). The kernel still delivers them, on the program's stack or
// sigaltstack, to the program's handler: only the moment is the runtime's.
// Faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS) are not held:
// they recur by themselves.
#include "replay/Signals.hpp"

#include <atomic>
#include <csignal>
#include <ctime>

#include "arch/RawSyscall.hpp"
#include "ariadne/trace.hpp"
#include "replay/Baton.hpp"
#include "replay/ReplayLog.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::replay {

namespace {

constexpr int kHeld[] = {SIGALRM, SIGVTALRM, SIGPROF, SIGUSR1, SIGUSR2, SIGCHLD, SIGIO,  SIGWINCH,
                         SIGURG,  SIGHUP,    SIGPIPE, SIGTERM, SIGINT,  SIGQUIT, SIGCONT};

// The kernel's sigset (8 bytes on both architectures).
using KernelSet = std::uint64_t;
constexpr KernelSet bit(int sig) { return KernelSet{1} << (sig - 1); }
constexpr KernelSet held_set() {
  KernelSet s = 0;
  for (int sig : kHeld) s |= bit(sig);
  return s;
}
constexpr KernelSet kHeldSet = held_set();

long change_mask(int how, const KernelSet* set, KernelSet* old) noexcept {
  return raw_syscall(SYS_rt_sigprocmask, how, set, old, sizeof(KernelSet));
}

// Delivers `sig` to this thread once, now: sent again to the thread, then
// let through by rt_sigsuspend, which returns after the program's handler
// ran and puts the mask back in the same step -- so another instance that
// arrives meanwhile stays held for the next point (unblocking and blocking
// again would let it through too: seen under qemu-aarch64).
void deliver(int sig) noexcept {
  raw_syscall(SYS_tgkill, sys_getpid(), sys_gettid(), sig);
  KernelSet mask = 0;
  change_mask(SIG_BLOCK, nullptr, &mask);
  mask &= ~bit(sig);
  raw_syscall(SYS_rt_sigsuspend, &mask, sizeof mask);
}

// The kernel's handler for `sig` (SIG_DFL, SIG_IGN or a function) into
// *handler, read directly: the broker's view is the program's. False if it
// cannot be read.
bool kernel_handler(int sig, std::uint64_t* handler) noexcept {
  std::uint64_t action[8] = {};  // the kernel's struct sigaction: the handler first
  if (raw_syscall(SYS_rt_sigaction, sig, nullptr, action, sizeof(KernelSet)) != 0) return false;
  *handler = action[0];
  return true;
}

// Whether delivering `sig` runs anything: not when it is ignored, or left at
// a default action that ignores it (rt_sigsuspend would wait for good).
bool has_effect(int sig) noexcept {
  std::uint64_t handler = 0;
  if (!kernel_handler(sig, &handler)) return true;
  if (handler == reinterpret_cast<std::uint64_t>(SIG_IGN)) return false;
  if (handler == reinterpret_cast<std::uint64_t>(SIG_DFL))
    return sig != SIGCHLD && sig != SIGWINCH && sig != SIGURG && sig != SIGCONT;
  return true;
}

// Takes one pending instance of `sig` off the thread's (or the process's)
// queue without running anything.
void dequeue(int sig) noexcept {
  const KernelSet one = bit(sig);
  const struct timespec now {};
  std::uint64_t info[16];  // siginfo_t: 128 bytes
  raw_syscall(SYS_rt_sigtimedwait, &one, info, &now, sizeof one);
}

}  // namespace

constinit std::atomic<bool> g_signal_source{false};

void note_signal_source() noexcept { g_signal_source.store(true, std::memory_order_relaxed); }

bool check_signals_now(ReplayThread* me, bool blocking_call) noexcept {
  if (blocking_call || g_signal_source.load(std::memory_order_relaxed)) return true;
  return ++me->calls_unchecked % 64 == 0;
}

bool held_signal(int sig) noexcept { return sig >= 1 && sig <= 64 && (kHeldSet & bit(sig)) != 0; }

namespace {
// The held signals whose default action ends the process.
constexpr int kFatalByDefault[] = {SIGALRM, SIGVTALRM, SIGPROF, SIGUSR1, SIGUSR2, SIGIO,
                                   SIGHUP,  SIGPIPE,   SIGTERM, SIGINT,  SIGQUIT};
// The held signals a wait lets through: those of kFatalByDefault left at
// the default action and every held one with a handler. Looked up (one
// rt_sigaction each) only after the program changed an action: a
// generation counter.
constinit std::atomic<std::uint32_t> g_actions_changed{1};
constinit std::atomic<std::uint32_t> g_open_looked_up{0};
constinit std::atomic<KernelSet> g_open_in_wait{0};

KernelSet open_in_wait() noexcept {
  const std::uint32_t generation = g_actions_changed.load(std::memory_order_acquire);
  if (g_open_looked_up.load(std::memory_order_acquire) == generation)
    return g_open_in_wait.load(std::memory_order_relaxed);
  KernelSet fatal = 0;
  for (int sig : kFatalByDefault) fatal |= bit(sig);
  KernelSet open = 0;
  for (int sig : kHeld) {
    std::uint64_t handler = 0;
    if (!kernel_handler(sig, &handler) || handler == reinterpret_cast<std::uint64_t>(SIG_IGN)) continue;
    if (handler != reinterpret_cast<std::uint64_t>(SIG_DFL) || (fatal & bit(sig)) != 0) open |= bit(sig);
  }
  g_open_in_wait.store(open, std::memory_order_relaxed);
  g_open_looked_up.store(generation, std::memory_order_release);
  return open;
}

// The runtime's signal handler asks before running the program's: a held
// signal that arrives while its thread waits in a call is sent again later.
bool defer_during_wait(int sig) noexcept {
  ReplayThread* me = self();
  if (me == nullptr || !held_signal(sig) || !me->in_wait.load(std::memory_order_acquire)) return false;
  me->deferred.fetch_or(bit(sig), std::memory_order_relaxed);
  return true;
}
}  // namespace

void hold_async_signals() noexcept {
  change_mask(SIG_BLOCK, &kHeldSet, nullptr);
  trace::set_signal_deferral(defer_during_wait);
}

void note_signal_action_change() noexcept { g_actions_changed.fetch_add(1, std::memory_order_acq_rel); }

std::uint64_t open_signals_for_wait(ReplayThread* me) noexcept {
  const KernelSet open = open_in_wait() & ~me->program_blocked;
  if (open == 0) return 0;
  me->in_wait.store(true, std::memory_order_release);
  change_mask(SIG_UNBLOCK, &open, nullptr);
  return open;
}

void close_signals_after_wait(ReplayThread* me, std::uint64_t opened) noexcept {
  if (opened == 0) return;
  change_mask(SIG_BLOCK, &opened, nullptr);
  me->in_wait.store(false, std::memory_order_release);
  KernelSet deferred = me->deferred.exchange(0, std::memory_order_acq_rel);
  for (int sig = 1; deferred != 0 && sig <= 64; ++sig) {
    if ((deferred & bit(sig)) == 0) continue;
    deferred &= ~bit(sig);
    raw_syscall(SYS_tgkill, sys_getpid(), sys_gettid(), sig);  // pending now, for the call's end
  }
}

void deliver_pending_signals(ReplayThread* me, Reason where) noexcept {
  if (mode() == Mode::record) {
    KernelSet pending = 0;
    if (raw_syscall(SYS_rt_sigpending, &pending, sizeof pending) != 0) return;
    pending &= kHeldSet & ~me->program_blocked;
    for (int sig = 1; pending != 0 && sig <= 64; ++sig) {
      if ((pending & bit(sig)) == 0) continue;
      pending &= ~bit(sig);
      dequeue(sig);
      if (!has_effect(sig)) continue;
      EventHead h = event_by(me, EventKind::signal);
      h.reason = where;
      h.a = static_cast<std::uint64_t>(sig);
      append_event(h, nullptr, 0);
      deliver(sig);
    }
    return;
  }
  EventView ev;
  while (peek_event(ev) && ev.head.thread == me->index && ev.head.kind == EventKind::signal &&
         ev.head.reason == where && ev.head.points == me->points && ev.head.ticks == current_ticks()) {
    const int sig = static_cast<int>(ev.head.a);
    consume(me, ev);
    set_replay_budget(me);
    deliver(sig);
  }
}

}  // namespace ariadne::replay
