// Process-level events of a recording: fork (the parent writes `fork`, the
// child starts its own process directory and streams), exec (`exec` before
// the call, `exec_failed` if it returns), and signals delivered (`signal`
// before the program's handler runs; for the fatal signals left at their
// default action, a recorder that writes `signal`, seals the thread's
// segment, writes process_end and dies of the same signal).
//
// fork, the exec family, sigaction and signal are interposed (exported from
// libariadne-rt.so, forwarding to libc's definitions). When not recording
// they only forward.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>

#include "arch/Timestamp.hpp"
#include "record/ProcessLog.hpp"
#include "record/Recorder.hpp"
#include "record/ThreadLog.hpp"
#include "trace/Handlers.hpp"
#include "trace/Interpose.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::record {

using namespace ariadne::tracefile;

namespace {

constexpr int kMaxSignal = 65;
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM, SIGINT};

using SigactionFn = int (*)(int, const struct sigaction*, struct sigaction*);

struct SignalTable {
  struct sigaction user[kMaxSignal];  // what the program asked for
  bool managed[kMaxSignal];           // user[] is authoritative for this signal
};
SignalTable g_signals;
bool g_active = false;

SigactionFn real_sigaction() {
  static SigactionFn fn = trace::detail::next_definition<SigactionFn>("sigaction");
  return fn;
}

// Every event written here is written in an UntracedScope: traced calls a
// signal handler makes must stay out of the half-written event this thread
// may be in the middle of (the core skips calls while in_handler is set,
// and so do the events below when they interrupt a handler).
using trace::detail::UntracedScope;

ThreadLog* thread_log() noexcept {
  ThreadLog* t = t_log;
  return t != nullptr ? t : start_thread();
}

// true: written; false: this thread was inside a handler (counted as lost).
bool record_signal(int sig) noexcept {
  UntracedScope quiet;
  ThreadLog* t = thread_log();
  if (quiet.nested()) {
    ++t->lost;
    return false;
  }
  const std::uint64_t value = static_cast<std::uint64_t>(sig);
  write_simple_event(t, Event::signal, &value, 1);
  return true;
}

void program_handler(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  record_signal(sig);
  errno = saved_errno;
  const struct sigaction& a = g_signals.user[sig];
  if ((a.sa_flags & SA_SIGINFO) != 0) {
    if (a.sa_sigaction != nullptr) a.sa_sigaction(sig, info, context);
  } else if (a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN && a.sa_handler != nullptr) {
    a.sa_handler(sig);
  }
}

void fatal_handler(int sig, siginfo_t*, void*) {
  {
    UntracedScope quiet;
    ThreadLog* t = thread_log();
    if (!quiet.nested()) {
      const std::uint64_t value = static_cast<std::uint64_t>(sig);
      write_simple_event(t, Event::signal, &value, 1);
      seal_segment(t);  // the other threads' segments stay open: the reader takes them as they are
    }
    write_process_end(1, static_cast<std::uint32_t>(sig));
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  real_sigaction()(sig, &dfl, nullptr);
  sys_raise(sig);  // pending until this handler returns (a fault re-faults anyway)
}

bool is_fatal(int sig) {
  for (int f : kFatalSignals) {
    if (f == sig) return true;
  }
  return false;
}

void install_fatal_recorder(int sig, const sigset_t* mask) {
  struct sigaction mine {};
  mine.sa_sigaction = fatal_handler;
  mine.sa_flags = SA_SIGINFO | SA_ONSTACK;
  if (mask != nullptr)
    mine.sa_mask = *mask;
  else
    sigemptyset(&mine.sa_mask);
  real_sigaction()(sig, &mine, nullptr);
}

int recording_sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  struct sigaction previous = g_signals.user[sig];
  const bool was_managed = g_signals.managed[sig];
  struct sigaction kernel_old {};
  int rc = 0;
  if (act == nullptr) {
    rc = real_sigaction()(sig, nullptr, &kernel_old);
  } else {
    struct sigaction mine = *act;
    const bool has_handler = (act->sa_flags & SA_SIGINFO) != 0
                                 ? act->sa_sigaction != nullptr
                                 : act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
    if (has_handler) {
      mine.sa_sigaction = program_handler;
      mine.sa_flags |= SA_SIGINFO;
      g_signals.user[sig] = *act;  // before the kernel can deliver to the wrapper
    }
    if (!has_handler && act->sa_handler == SIG_DFL && is_fatal(sig)) {
      rc = real_sigaction()(sig, nullptr, &kernel_old);
      install_fatal_recorder(sig, &act->sa_mask);
    } else {
      rc = real_sigaction()(sig, &mine, &kernel_old);
    }
    if (rc == 0) {
      g_signals.user[sig] = *act;
      g_signals.managed[sig] = true;
    } else {
      g_signals.user[sig] = previous;
    }
  }
  if (rc == 0 && old != nullptr) *old = was_managed ? previous : kernel_old;
  return rc;
}

// ---- exec ----------------------------------------------------------------------

void before_exec(const char* path) noexcept {
  if (!g_active) return;
  UntracedScope quiet;
  ThreadLog* t = thread_log();
  const std::size_t length = path != nullptr ? strnlen(path, 4096) : 0;
  if (room(t, 1 + 2 * kMaxVarint + length)) {
    const std::uint64_t now = arch::timestamp();
    std::uint8_t* p = t->pos;
    *p++ = static_cast<std::uint8_t>(Event::exec);
    p += put_varint(p, now - t->last);
    p += put_varint(p, length);
    if (length != 0) std::memcpy(p, path, length);
    t->pos = p + length;
    t->last = now;
  } else {
    ++t->lost;
  }
  seal_segment(t);
  write_clock_chunk();
}

void after_failed_exec(int error) noexcept {
  if (!g_active) return;
  UntracedScope quiet;
  const std::uint64_t value = static_cast<std::uint64_t>(error);
  write_simple_event(thread_log(), Event::exec_failed, &value, 1);
  errno = error;
}

// Each exec wrapper keeps its own libc definition (execv and execvp share a
// type, so one template's static would serve both with the first one's).
template <typename Fn, typename... Args>
int forward_exec(Fn real, const char* path, Args... args) {
  before_exec(path);
  const int rc = real(path, args...);
  after_failed_exec(errno);
  return rc;
}

// execl* take their arguments inline: gathered on the stack, like libc.
constexpr int kMaxListArgs = 4096;

}  // namespace

void install_process_events() noexcept {
  g_active = true;
  pthread_atfork(nullptr, nullptr, [] { after_fork_in_child(static_cast<std::uint32_t>(sys_getppid())); });
  for (int sig : kFatalSignals) {
    struct sigaction current {};
    if (real_sigaction()(sig, nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) == 0 && current.sa_handler == SIG_DFL) {
      install_fatal_recorder(sig, nullptr);
      g_signals.user[sig] = current;
      g_signals.managed[sig] = true;
    }
  }
}

}  // namespace ariadne::record

using namespace ariadne::record;

ARIADNE_RT_EXPORT pid_t fork() {
  static auto real = ariadne::trace::detail::next_definition<pid_t (*)()>("fork");
  const pid_t pid = real();
  if (pid > 0 && g_active) {
    UntracedScope quiet;
    const std::uint64_t child = static_cast<std::uint64_t>(pid);
    write_simple_event(thread_log(), ariadne::tracefile::Event::fork, &child, 1);
  }
  return pid;
}

namespace {
// pthread_create: the new thread's thread_start names its creator.
struct ThreadStart {
  void* (*routine)(void*);
  void* arg;
  std::uint32_t parent_tid;
};

void* start_with_parent(void* p) {
  const ThreadStart start = *static_cast<ThreadStart*>(p);
  std::free(p);
  t_parent_tid = start.parent_tid;
  return start.routine(start.arg);
}
}  // namespace

ARIADNE_RT_EXPORT int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*routine)(void*),
                                     void* arg) {
  using Fn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static Fn real = ariadne::trace::detail::next_definition<Fn>("pthread_create");
  if (!g_active) return real(thread, attr, routine, arg);
  auto* start = static_cast<ThreadStart*>(std::malloc(sizeof(ThreadStart)));
  if (start == nullptr) return real(thread, attr, routine, arg);
  *start = {routine, arg, current_tid()};
  const int rc = real(thread, attr, start_with_parent, start);
  if (rc != 0) std::free(start);
  return rc;
}

ARIADNE_RT_EXPORT int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  if (!g_active || sig <= 0 || sig >= kMaxSignal || sig == SIGKILL || sig == SIGSTOP) {
    return real_sigaction()(sig, act, old);
  }
  return recording_sigaction(sig, act, old);
}

ARIADNE_RT_EXPORT sighandler_t signal(int sig, sighandler_t handler) {
  struct sigaction act {};
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  sigaddset(&act.sa_mask, sig);
  act.sa_flags = SA_RESTART;
  struct sigaction old {};
  if (sigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}

ARIADNE_RT_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  static const auto real =
      ariadne::trace::detail::next_definition<int (*)(const char*, char* const*, char* const*)>("execve");
  return forward_exec(real, path, argv, envp);
}

ARIADNE_RT_EXPORT int execv(const char* path, char* const argv[]) {
  static const auto real =
      ariadne::trace::detail::next_definition<int (*)(const char*, char* const*)>("execv");
  return forward_exec(real, path, argv);
}

ARIADNE_RT_EXPORT int execvp(const char* file, char* const argv[]) {
  static const auto real =
      ariadne::trace::detail::next_definition<int (*)(const char*, char* const*)>("execvp");
  return forward_exec(real, file, argv);
}

ARIADNE_RT_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  static const auto real =
      ariadne::trace::detail::next_definition<int (*)(const char*, char* const*, char* const*)>("execvpe");
  return forward_exec(real, file, argv, envp);
}

namespace {
// Collects execl's variadic arguments (up to the terminating nullptr).
int gather(const char* first, va_list ap, const char** argv) {
  int n = 0;
  argv[n++] = first;
  while (n < kMaxListArgs - 1) {
    const char* a = va_arg(ap, const char*);
    argv[n++] = a;
    if (a == nullptr) return n;
  }
  argv[n] = nullptr;
  return n;
}
}  // namespace

ARIADNE_RT_EXPORT int execl(const char* path, const char* arg, ...) {
  const char* argv[kMaxListArgs];
  va_list ap;
  va_start(ap, arg);
  gather(arg, ap, argv);
  va_end(ap);
  return execv(path, const_cast<char* const*>(argv));
}

ARIADNE_RT_EXPORT int execlp(const char* file, const char* arg, ...) {
  const char* argv[kMaxListArgs];
  va_list ap;
  va_start(ap, arg);
  gather(arg, ap, argv);
  va_end(ap);
  return execvp(file, const_cast<char* const*>(argv));
}

ARIADNE_RT_EXPORT int execle(const char* path, const char* arg, ...) {
  const char* argv[kMaxListArgs];
  va_list ap;
  va_start(ap, arg);
  gather(arg, ap, argv);
  char* const* envp = va_arg(ap, char* const*);
  va_end(ap);
  return execve(path, const_cast<char* const*>(argv), envp);
}
