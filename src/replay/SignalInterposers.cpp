// Signals, timers and raw futexes as a replayable run sees them. Sending a
// signal and arming a timer are made when recording; in replay they are not
// (their signals come from the log, at the logged points: Signals.cpp), and
// their results are the logged ones. Futexes the program uses itself
// (syscall(SYS_futex, ...)) are the runtime's waits: a FUTEX_WAIT with the
// baton held would wait forever for a thread that cannot run.
//
// The program's functions: no runtime/NoLibcSyscalls.hpp (see
// ThreadInterposers.cpp).
#include <dlfcn.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "replay/Interposer.hpp"
#include "replay/Signals.hpp"
#include "replay/SyscallRouting.hpp"

using namespace ariadne::replay;

namespace {

int old_timer_output(const Args& a, long r, OutBuf* o) {
  if (r != 0 || a.a[2] == 0) return 0;
  o[0] = {reinterpret_cast<void*>(a.a[2]), sizeof(struct itimerval)};
  return 1;
}

// Made when recording only: their signals come from the log in replay.
long made_in_record_only(ReplayThread* me, std::uint64_t nr, Args& a, std::size_t n_args,
                         int (*outs)(const Args&, long, OutBuf*)) {
  note_signal_source();
  return logged(me, nr, false, false, a, n_args, outs);
}

}  // namespace

ARIADNE_REPLAY_EXPORT int setitimer(int which, const struct itimerval* value, struct itimerval* old) {
  static const auto real = next<int (*)(int, const struct itimerval*, struct itimerval*)>("setitimer");
  ReplayThread* me = self();
  if (me == nullptr) return real(which, value, old);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const struct itimerval*>(x.a[1]),
                       reinterpret_cast<struct itimerval*>(x.a[2]));
         },
         {static_cast<std::uint64_t>(which), reinterpret_cast<std::uint64_t>(value),
          reinterpret_cast<std::uint64_t>(old)}};
  return static_cast<int>(made_in_record_only(me, SYS_setitimer, a, 3, old_timer_output));
}

ARIADNE_REPLAY_EXPORT unsigned alarm(unsigned seconds) {
  static const auto real = next<unsigned (*)(unsigned)>("alarm");
  ReplayThread* me = self();
  if (me == nullptr) return real(seconds);
  Args a{[](const Args& x) -> long { return real(static_cast<unsigned>(x.a[0])); }, {seconds}};
  return static_cast<unsigned>(made_in_record_only(me, kCallAlarm, a, 1, nullptr));
}

ARIADNE_REPLAY_EXPORT int kill(pid_t pid, int sig) {
  static const auto real = next<int (*)(pid_t, int)>("kill");
  ReplayThread* me = self();
  if (me == nullptr) return real(pid, sig);
  Args a{[](const Args& x) -> long { return real(static_cast<pid_t>(x.a[0]), static_cast<int>(x.a[1])); },
         {static_cast<std::uint64_t>(pid), static_cast<std::uint64_t>(sig)}};
  return static_cast<int>(made_in_record_only(me, SYS_kill, a, 2, nullptr));
}

ARIADNE_REPLAY_EXPORT int raise(int sig) {
  static const auto real = next<int (*)(int)>("raise");
  ReplayThread* me = self();
  if (me == nullptr) return real(sig);
  Args a{[](const Args& x) -> long { return real(static_cast<int>(x.a[0])); },
         {static_cast<std::uint64_t>(sig)}};
  return static_cast<int>(made_in_record_only(me, kCallRaise, a, 1, nullptr));
}

// The program's signal mask. The held signals (Signals.cpp) stay blocked in
// the kernel whatever the program asks, or the kernel would deliver them at
// any instruction instead of at the runtime's points; the program's own
// blocking of them is its thread's program_blocked, which it sees in `old`,
// which its new threads inherit and which the points obey. A held signal
// the call unblocks is let through before the call returns (POSIX), at a
// point of its own.
namespace {
int program_sigmask(int (*real)(int, const sigset_t*, sigset_t*), int how, const sigset_t* set,
                    sigset_t* old) {
  ReplayThread* me = self();
  if (me == nullptr || (set != nullptr && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK))
    return real(how, set, old);
  const std::uint64_t before = me->program_blocked;
  std::uint64_t after = before;
  sigset_t kernel;
  if (set != nullptr) {
    kernel = *set;
    std::uint64_t asked = 0;
    for (int sig = 1; sig <= 64; ++sig) {
      if (!held_signal(sig)) continue;
      if (sigismember(set, sig) == 1) asked |= std::uint64_t{1} << (sig - 1);
      if (how == SIG_UNBLOCK)
        sigdelset(&kernel, sig);
      else
        sigaddset(&kernel, sig);
    }
    after = how == SIG_BLOCK ? before | asked : how == SIG_UNBLOCK ? before & ~asked : asked;
  }
  const int rc = untrapped(real, how, set != nullptr ? &kernel : nullptr, old);
  if (rc != 0) return rc;
  if (old != nullptr) {
    for (int sig = 1; sig <= 64; ++sig) {
      if (!held_signal(sig)) continue;
      if ((before & (std::uint64_t{1} << (sig - 1))) != 0)
        sigaddset(old, sig);
      else
        sigdelset(old, sig);
    }
  }
  me->program_blocked = after;
  if ((before & ~after) != 0) {
    ++me->points;
    deliver_pending_signals(me, Reason::none);
  }
  return rc;
}
}  // namespace

// Reached from the signal broker's sigaction (libariadne-rt.so, loaded
// first), which passes the program's calls on to the next definition.
ARIADNE_REPLAY_EXPORT int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  REAL(sigaction);
  if (act != nullptr && self() != nullptr) refuse_trap_signal(sig);
  const int rc = untrapped(real, sig, act, old);
  if (act != nullptr) note_signal_action_change();
  return rc;
}

ARIADNE_REPLAY_EXPORT int sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  REAL(sigprocmask);
  return program_sigmask(real, how, set, old);
}

ARIADNE_REPLAY_EXPORT int pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
  REAL(pthread_sigmask);
  return program_sigmask(real, how, set, old);
}

// The thread is named by its recorded index, not its pthread_t (an address
// that is the same in both runs anyway, but this also checks the target).
ARIADNE_REPLAY_EXPORT int pthread_kill(pthread_t th, int sig) {
  static const auto real = next<int (*)(pthread_t, int)>("pthread_kill");
  ReplayThread* me = self();
  if (me == nullptr) return real(th, sig);
  ReplayThread* target = thread_by_handle(th);
  Args a{[](const Args& x) -> long { return real(static_cast<pthread_t>(x.a[2]), static_cast<int>(x.a[1])); },
         {target != nullptr ? target->index : ~std::uint64_t{0}, static_cast<std::uint64_t>(sig), th}};
  return static_cast<int>(made_in_record_only(me, kCallPthreadKill, a, 2, nullptr));
}

long ariadne::replay::program_futex(ReplayThread* me, std::uint32_t* addr, int op, std::uint32_t val,
                                    std::uint64_t arg4, std::uint32_t* addr2, std::uint32_t val3) noexcept {
  switch (op & FUTEX_CMD_MASK) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
      if (__atomic_load_n(addr, __ATOMIC_ACQUIRE) != val) {
        errno = EAGAIN;
        return -1;
      }
      if (arg4 != 0) {
        // A timed wait: the others run once, then a (spurious) return: the
        // caller checks its word and its deadline.
        if (!yield(me, Reason::yield)) sched_yield();
        return 0;
      }
      wait_on(me, addr);
      return 0;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      return wake(addr, static_cast<int>(val));
    case FUTEX_CMP_REQUEUE:
      if (__atomic_load_n(addr, __ATOMIC_ACQUIRE) != val3) {
        errno = EAGAIN;
        return -1;
      }
      [[fallthrough]];
    case FUTEX_REQUEUE: {
      const int woken = wake(addr, static_cast<int>(val));
      return woken + requeue(addr, addr2, static_cast<int>(arg4));
    }
    default:
      errno = ENOSYS;
      return -1;
  }
}
