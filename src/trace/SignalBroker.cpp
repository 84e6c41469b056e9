// The signal broker (SignalBroker.hpp): the program's view of its
// dispositions and masks, what the kernel holds instead, and the handlers
// that stand between the two.
#include "trace/SignalBroker.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "arch/CodePatch.hpp"
#include "trace/Handlers.hpp"
#include "trace/Interpose.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {

namespace {

constexpr int kSignals = 65;  // 1..64
// The runtime's signals (SIGSYS joins for replay).
constexpr int kOwned[] = {SIGTRAP};

// ---- raw system calls --------------------------------------------------------
// The broker's own system calls, through the raw layer (arch/RawSyscall.hpp):
// the program's errno is never touched.

void raw_set_blocked(int how, const sigset_t* set, sigset_t* old) noexcept {
  raw_syscall(SYS_rt_sigprocmask, how, set, old, 8);  // the kernel's sigset: 64 bits
}

void raw_send_self(int sig) noexcept { sys_raise(sig); }

// ---- libc's definitions ---------------------------------------------------------

using SigactionFn = int (*)(int, const struct sigaction*, struct sigaction*);
using SigmaskFn = int (*)(int, const sigset_t*, sigset_t*);

SigactionFn g_real_sigaction = nullptr;
SigmaskFn g_real_sigprocmask = nullptr;
SigmaskFn g_real_pthread_sigmask = nullptr;

// Resolved before the program runs (start_signal_broker), and on first use
// for callers that come earlier (another preloaded library's constructor).
void resolve() noexcept {
  if (__atomic_load_n(&g_real_sigaction, __ATOMIC_ACQUIRE) != nullptr) return;
  g_real_sigprocmask = next_definition<SigmaskFn>("sigprocmask");
  g_real_pthread_sigmask = next_definition<SigmaskFn>("pthread_sigmask");
  __atomic_store_n(&g_real_sigaction, next_definition<SigactionFn>("sigaction"), __ATOMIC_RELEASE);
}

bool is_owned(int sig) noexcept {
  for (int s : kOwned)
    if (s == sig) return true;
  return false;
}

std::uint64_t owned_in(const sigset_t& set) noexcept {
  std::uint64_t bits = 0;
  for (int s : kOwned)
    if (sigismember(&set, s) == 1) bits |= std::uint64_t{1} << s;
  return bits;
}

void strip_owned(sigset_t* set) noexcept {
  for (int s : kOwned) sigdelset(set, s);
}

bool has_handler(const struct sigaction& a) noexcept {
  return a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN;
}

// ---- the program's view -------------------------------------------------------
// Per signal, the disposition the program last set, published as one of four
// copies: a handler reads the current copy without waiting, a writer fills
// the next one and publishes it. Writers are serialised by a spin lock taken
// with every signal blocked on their thread (a handler on the same thread
// cannot wait for it).

struct ViewSlot {
  struct sigaction copies[4];
  std::atomic<unsigned> current{0};
  std::atomic<bool> managed{false};  // the program (or the broker) set it: copies[] is the truth
};
ViewSlot g_view[kSignals];
std::atomic<bool> g_write_lock{false};
std::atomic<const SignalObserver*> g_observer{nullptr};
std::atomic<std::uint64_t> g_forwarded{0};
std::atomic<int> g_started{0};

struct sigaction view_of(int sig) noexcept {
  const ViewSlot& v = g_view[sig];
  return v.copies[v.current.load(std::memory_order_acquire) & 3];
}

void publish(int sig, const struct sigaction& a) noexcept {
  ViewSlot& v = g_view[sig];
  const unsigned next = v.current.load(std::memory_order_relaxed) + 1;
  v.copies[next & 3] = a;
  v.current.store(next, std::memory_order_release);
  v.managed.store(true, std::memory_order_release);
}

class WriteLock {
 public:
  WriteLock() noexcept {
    sigset_t all;
    sigfillset(&all);
    raw_set_blocked(SIG_BLOCK, &all, &saved_);
    while (g_write_lock.exchange(true, std::memory_order_acquire)) {
    }
  }
  ~WriteLock() {
    g_write_lock.store(false, std::memory_order_release);
    raw_set_blocked(SIG_SETMASK, &saved_, nullptr);
  }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

 private:
  sigset_t saved_;
};

// Per thread: the runtime's signals the program believes blocked (its view
// of its mask) and those that arrived meanwhile, to deliver on unblocking.
struct ThreadSignals {
  std::uint64_t blocked = 0;
  std::uint64_t pending = 0;
};
constinit thread_local ThreadSignals t_signals;

void on_owned_signal(int sig, siginfo_t* info, void* context);
void on_program_signal(int sig, siginfo_t* info, void* context);
void on_fatal_signal(int sig, siginfo_t* info, void* context);

bool observer_wants_fatal(int sig) noexcept {
  const SignalObserver* o = g_observer.load(std::memory_order_acquire);
  if (o == nullptr || o->fatal_signals == nullptr) return false;
  for (int i = 0; i < o->fatal_count; ++i)
    if (o->fatal_signals[i] == sig) return true;
  return false;
}

// What the kernel holds for `sig` while the program's view is `a`.
struct sigaction kernel_action(int sig, const struct sigaction& a) noexcept {
  struct sigaction k = a;
  strip_owned(&k.sa_mask);
  if (is_owned(sig)) {
    // SA_NODEFER: a handler of the program's that calls traced code may run
    // into a transient trap of its own; the program's "no nesting" is kept
    // in its view of the mask instead.
    k.sa_sigaction = on_owned_signal;
    k.sa_flags = SA_SIGINFO | SA_NODEFER | (a.sa_flags & (SA_RESTART | SA_ONSTACK));
  } else if (has_handler(a)) {
    k.sa_sigaction = on_program_signal;
    k.sa_flags = a.sa_flags | SA_SIGINFO;
  } else if (a.sa_handler == SIG_DFL && observer_wants_fatal(sig)) {
    k.sa_sigaction = on_fatal_signal;
    k.sa_flags = SA_SIGINFO | SA_ONSTACK;
  }
  return k;
}

// Takes the program's disposition into its view (from the kernel, if the
// program never set it) and installs what the broker needs. Under WriteLock.
void take_over(int sig) noexcept {
  if (!g_view[sig].managed.load(std::memory_order_acquire)) {
    struct sigaction current {};
    if (g_real_sigaction(sig, nullptr, &current) != 0) return;
    publish(sig, current);
  }
  const struct sigaction k = kernel_action(sig, view_of(sig));
  g_real_sigaction(sig, &k, nullptr);
}

// ---- delivery -------------------------------------------------------------------

// The default action of `sig`, for real: the kernel's disposition back to
// SIG_DFL, the signal unblocked and sent again.
void die_by_default(int sig) noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  g_real_sigaction(sig, &dfl, nullptr);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  raw_set_blocked(SIG_UNBLOCK, &one, nullptr);
  raw_send_self(sig);
}

// The runtime's signals the program's view unblocked while they waited.
void deliver_unblocked_pending() noexcept {
  ThreadSignals& ts = t_signals;
  for (int s : kOwned) {
    const std::uint64_t bit = std::uint64_t{1} << s;
    if ((ts.pending & bit) != 0 && (ts.blocked & bit) == 0) {
      ts.pending &= ~bit;
      raw_send_self(s);
    }
  }
}

// Runs the program's handler `a` for `sig` as the kernel would have, with the
// observer told first.
void run_program_handler(int sig, siginfo_t* info, void* context, const struct sigaction& a) noexcept {
  ThreadState& t = thread_state();
  const bool interrupted_runtime = t.in_handler;
  const SignalObserver* o = g_observer.load(std::memory_order_acquire);
  if (o != nullptr && o->delivered != nullptr) {
    const int saved = errno;
    o->delivered(sig);
    errno = saved;
  }
  g_forwarded.fetch_add(1, std::memory_order_relaxed);
  // The handler's calls cannot be traced when it interrupted the runtime
  // (in_handler is set, and stays set for the handler's calls): counted, so
  // the loss is known. Nested handlers each count their own.
  const bool was_counting = t.count_skips;
  const std::uint64_t outer_skips = t.skipped_calls;
  if (interrupted_runtime) {
    t.count_skips = true;
    t.skipped_calls = 0;
  }
  ThreadSignals& ts = t_signals;
  const std::uint64_t outer_blocked = ts.blocked;
  ts.blocked |= owned_in(a.sa_mask);
  if (is_owned(sig) && (a.sa_flags & SA_NODEFER) == 0) ts.blocked |= std::uint64_t{1} << sig;
  if ((a.sa_flags & SA_SIGINFO) != 0) {
    a.sa_sigaction(sig, info, context);
  } else {
    a.sa_handler(sig);
  }
  ts.blocked = outer_blocked;
  if (interrupted_runtime) {
    const std::uint64_t lost = t.skipped_calls;
    t.skipped_calls = outer_skips;
    t.count_skips = was_counting;
    if (lost != 0 && o != nullptr && o->lost_calls != nullptr) {
      const int saved = errno;
      o->lost_calls(lost);
      errno = saved;
    }
  }
  deliver_unblocked_pending();
}

// SA_RESETHAND: the view goes back to SIG_DFL before the handler runs (the
// kernel did the same to its own disposition for the program's signals).
void reset_to_default(int sig, bool reinstall) noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  WriteLock lock;
  publish(sig, dfl);
  if (reinstall) {
    const struct sigaction k = kernel_action(sig, dfl);
    g_real_sigaction(sig, &k, nullptr);
  }
}

std::atomic<trace::TrapHandler> g_trap_handler{nullptr};

void on_owned_signal(int sig, siginfo_t* info, void* context) {
  if (sig == SIGTRAP) {
    if (arch::handle_patch_trap(info, context)) return;
    const trace::TrapHandler own = g_trap_handler.load(std::memory_order_acquire);
    if (own != nullptr && own(info, context)) return;
  }
  // si_code > 0: raised by the kernel for this instruction (a trap of the
  // program's own); it cannot wait, as the kernel would not let it.
  const bool synchronous = info != nullptr && info->si_code > 0;
  ThreadSignals& ts = t_signals;
  const std::uint64_t bit = std::uint64_t{1} << sig;
  if (!synchronous && (ts.blocked & bit) != 0) {
    ts.pending |= bit;
    return;
  }
  const struct sigaction a = view_of(sig);
  if (!has_handler(a)) {
    // The kernel ignores an ignored signal unless it is a synchronous trap,
    // which kills as the default action does.
    if (a.sa_handler == SIG_IGN && !synchronous) return;
    die_by_default(sig);
    return;
  }
  if ((a.sa_flags & SA_RESETHAND) != 0) reset_to_default(sig, /*reinstall=*/true);
  run_program_handler(sig, info, context, a);
}

std::atomic<trace::SignalDeferral> g_deferral{nullptr};

void on_program_signal(int sig, siginfo_t* info, void* context) {
  const trace::SignalDeferral defer = g_deferral.load(std::memory_order_acquire);
  if (defer != nullptr) {
    const int saved = errno;
    const bool later = defer(sig);
    errno = saved;
    if (later) return;
  }
  const struct sigaction a = view_of(sig);
  if (!has_handler(a)) {  // changed while this one was on its way
    if (a.sa_handler == SIG_DFL) die_by_default(sig);
    return;
  }
  if ((a.sa_flags & SA_RESETHAND) != 0) reset_to_default(sig, /*reinstall=*/false);
  run_program_handler(sig, info, context, a);
}

void on_fatal_signal(int sig, siginfo_t*, void*) {
  const SignalObserver* o = g_observer.load(std::memory_order_acquire);
  if (o != nullptr && o->fatal != nullptr) o->fatal(sig);
  // A fault re-faults on return; a sent signal is pending until then.
  die_by_default(sig);
}

// ---- the interposed calls ---------------------------------------------------------

int broker_sigaction(int sig, const struct sigaction* act, struct sigaction* old) noexcept {
  resolve();
  if (sig <= 0 || sig >= kSignals || sig == SIGKILL || sig == SIGSTOP) return g_real_sigaction(sig, act, old);
  if (act == nullptr && !g_view[sig].managed.load(std::memory_order_acquire)) {
    return g_real_sigaction(sig, nullptr, old);
  }
  WriteLock lock;
  struct sigaction previous {};
  const bool was_managed = g_view[sig].managed.load(std::memory_order_acquire);
  if (was_managed) {
    previous = view_of(sig);
  } else if (g_real_sigaction(sig, nullptr, &previous) != 0) {
    return -1;
  }
  if (act != nullptr) {
    // Published first: the kernel may deliver to the broker's handler at once.
    publish(sig, *act);
    const struct sigaction k = kernel_action(sig, *act);
    if (g_real_sigaction(sig, &k, nullptr) != 0) {
      const int error = errno;
      publish(sig, previous);
      if (!was_managed) g_view[sig].managed.store(false, std::memory_order_release);
      errno = error;
      return -1;
    }
  }
  if (old != nullptr) *old = previous;
  return 0;
}

// The program's new mask in its view; the kernel gets it without the
// runtime's signals.
int broker_sigmask(SigmaskFn real, int how, const sigset_t* set, sigset_t* old) noexcept {
  ThreadSignals& ts = t_signals;
  const std::uint64_t before = ts.blocked;
  if (set == nullptr) {
    const int rc = real(how, nullptr, old);
    if (rc == 0 && old != nullptr)
      for (int s : kOwned)
        if ((before & (std::uint64_t{1} << s)) != 0) sigaddset(old, s);
    return rc;
  }
  sigset_t kernel = *set;
  strip_owned(&kernel);
  const std::uint64_t asked = owned_in(*set);
  std::uint64_t after = before;
  if (how == SIG_BLOCK) {
    after = before | asked;
  } else if (how == SIG_UNBLOCK) {
    after = before & ~asked;
  } else if (how == SIG_SETMASK) {
    after = asked;
  }
  const int rc = real(how, &kernel, old);
  if (rc != 0) return rc;
  if (old != nullptr)
    for (int s : kOwned)
      if ((before & (std::uint64_t{1} << s)) != 0) sigaddset(old, s);
  ts.blocked = after;
  deliver_unblocked_pending();
  return rc;
}

sighandler_t broker_signal(int sig, sighandler_t handler, int flags) noexcept {
  struct sigaction act {};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if ((flags & SA_NODEFER) == 0) sigaddset(&act.sa_mask, sig);
  act.sa_flags = flags;
  struct sigaction old {};
  if (broker_sigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}

}  // namespace

void start_signal_broker() noexcept {
  int expected = 0;
  if (!g_started.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return;
  resolve();
  WriteLock lock;
  for (int s : kOwned) take_over(s);
  g_started.store(2, std::memory_order_release);
}

void set_signal_observer(const SignalObserver* observer) noexcept {
  resolve();
  g_observer.store(observer, std::memory_order_release);
  if (observer == nullptr || observer->fatal_signals == nullptr) return;
  WriteLock lock;
  for (int i = 0; i < observer->fatal_count; ++i) {
    const int sig = observer->fatal_signals[i];
    if (sig > 0 && sig < kSignals && sig != SIGKILL && sig != SIGSTOP) take_over(sig);
  }
}

std::uint64_t signals_forwarded() noexcept { return g_forwarded.load(std::memory_order_relaxed); }

}  // namespace ariadne::trace::detail

void ariadne::trace::set_trap_handler(TrapHandler handler) noexcept {
  detail::g_trap_handler.store(handler, std::memory_order_release);
}

void ariadne::trace::set_signal_deferral(SignalDeferral deferral) noexcept {
  detail::g_deferral.store(deferral, std::memory_order_release);
}

using ariadne::trace::detail::broker_sigaction;
using ariadne::trace::detail::broker_sigmask;
using ariadne::trace::detail::broker_signal;

ARIADNE_RT_EXPORT int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  return broker_sigaction(sig, act, old);
}

ARIADNE_RT_EXPORT int __sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  return broker_sigaction(sig, act, old);
}

ARIADNE_RT_EXPORT int sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  ariadne::trace::detail::resolve();
  return broker_sigmask(ariadne::trace::detail::g_real_sigprocmask, how, set, old);
}

ARIADNE_RT_EXPORT int pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
  ariadne::trace::detail::resolve();
  return broker_sigmask(ariadne::trace::detail::g_real_pthread_sigmask, how, set, old);
}

// glibc's signal and bsd_signal: BSD semantics (restarting, the signal
// blocked in its handler); sysv_signal: reset on delivery, not blocked.
ARIADNE_RT_EXPORT sighandler_t signal(int sig, sighandler_t handler) {
  return broker_signal(sig, handler, SA_RESTART);
}

ARIADNE_RT_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler) {
  return broker_signal(sig, handler, SA_RESTART);
}

ARIADNE_RT_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler) {
  return broker_signal(sig, handler, SA_RESETHAND | SA_NODEFER);
}

ARIADNE_RT_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t handler) {
  return broker_signal(sig, handler, SA_RESETHAND | SA_NODEFER);
}

ARIADNE_RT_EXPORT int siginterrupt(int sig, int interrupt) {
  struct sigaction act {};
  if (broker_sigaction(sig, nullptr, &act) != 0) return -1;
  if (interrupt != 0) {
    act.sa_flags &= ~SA_RESTART;
  } else {
    act.sa_flags |= SA_RESTART;
  }
  return broker_sigaction(sig, &act, nullptr);
}
