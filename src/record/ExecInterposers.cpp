// The ways a program starts another image, interposed: the exec family,
// fexecve, execveat, posix_spawn, posix_spawnp and system. Each hands the
// kernel the environment the program chose plus the runtime's settings
// (ExecEnvironment), so the new image loads the runtime and is traced
// whatever environment the program passes. While recording, an exec writes
// `exec` (the path) and seals the thread's segment before the call, and
// `exec_failed` (errno) if it returns. posix_spawn and system write nothing
// here: the child is a process of its own, recorded in its own directory.
//
// glibc's execvp, execl*, posix_spawn and system reach execve through
// internal calls that an interposer cannot see, so each entry point is
// interposed itself.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>

#include "arch/Timestamp.hpp"
#include "record/ExecEnvironment.hpp"
#include "record/ProcessLog.hpp"
#include "record/Recorder.hpp"
#include "record/ThreadLog.hpp"
#include "trace/Handlers.hpp"
#include "trace/Interpose.hpp"

extern char** environ;

namespace ariadne::record {

using namespace ariadne::tracefile;
using trace::detail::next_definition;
using trace::detail::UntracedScope;

namespace {

using ExecveFn = int (*)(const char*, char* const*, char* const*);
using FexecveFn = int (*)(int, char* const*, char* const*);
using ExecveatFn = int (*)(int, const char*, char* const*, char* const*, int);
using SpawnFn = int (*)(pid_t*, const char*, const posix_spawn_file_actions_t*, const posix_spawnattr_t*,
                        char* const*, char* const*);

ExecveFn real_execve() {
  static const auto fn = next_definition<ExecveFn>("execve");
  return fn;
}
ExecveFn real_execvpe() {
  static const auto fn = next_definition<ExecveFn>("execvpe");
  return fn;
}
SpawnFn real_posix_spawn() {
  static const auto fn = next_definition<SpawnFn>("posix_spawn");
  return fn;
}

ThreadLog* thread_log() noexcept {
  ThreadLog* t = t_log;
  return t != nullptr ? t : start_thread();
}

void before_exec(const char* path) noexcept {
  if (record_root() == nullptr) return;
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
  write_lost_marker(t);
  seal_segment(t);
  write_clock_chunk();
}

void after_failed_exec(int error) noexcept {
  if (record_root() == nullptr) return;
  UntracedScope quiet;
  const std::uint64_t value = static_cast<std::uint64_t>(error);
  write_simple_event(thread_log(), Event::exec_failed, &value, 1);
  errno = error;
}

// One exec: recorded, then the call with the merged environment.
template <typename Call>
int exec_recorded(const char* shown, Call call) {
  before_exec(shown);
  const int rc = call();
  after_failed_exec(errno);
  return rc;
}

int exec_path(const char* path, char* const argv[], char* const envp[]) {
  const ExecEnvironment env(envp);
  return exec_recorded(path, [&] { return real_execve()(path, argv, env.get()); });
}

int exec_searching(const char* file, char* const argv[], char* const envp[]) {
  const ExecEnvironment env(envp);
  return exec_recorded(file, [&] { return real_execvpe()(file, argv, env.get()); });
}

// execl* take their arguments inline: gathered on the stack, like libc.
// The va_list is passed by address: on AArch64 it is a structure, and a copy
// would leave the caller's list where it was (execle then read its envp from
// the first argument).
constexpr int kMaxListArgs = 4096;

bool gather(const char* first, va_list* ap, const char** argv) {
  int n = 0;
  argv[n++] = first;
  while (n < kMaxListArgs) {
    const char* a = va_arg(*ap, const char*);
    argv[n++] = a;
    if (a == nullptr) return true;
  }
  errno = E2BIG;
  return false;
}

// "/proc/self/fd/N", the name fexecve's exec event shows.
void fd_path(int fd, char (&out)[32]) {
  char digits[16];
  int n = 0;
  unsigned v = static_cast<unsigned>(fd);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 15);
  std::memcpy(out, "/proc/self/fd/", 14);
  int k = 14;
  while (n > 0) out[k++] = digits[--n];
  out[k] = '\0';
}

// system(): glibc's own steps (SIGINT and SIGQUIT ignored while any thread
// waits for a shell, SIGCHLD blocked, the child given back the defaults and
// the caller's mask; a cancelled caller kills and reaps its shell), with the
// merged environment.
pthread_mutex_t g_system_lock = PTHREAD_MUTEX_INITIALIZER;
int g_system_callers = 0;
struct sigaction g_saved_int, g_saved_quit;

struct ShellCall {
  pid_t pid = 0;
  sigset_t saved_mask;
};

void end_shell_call(const ShellCall& call) {
  const int saved_errno = errno;
  pthread_mutex_lock(&g_system_lock);
  if (--g_system_callers == 0) {
    ::sigaction(SIGINT, &g_saved_int, nullptr);
    ::sigaction(SIGQUIT, &g_saved_quit, nullptr);
  }
  pthread_mutex_unlock(&g_system_lock);
  ::sigprocmask(SIG_SETMASK, &call.saved_mask, nullptr);
  errno = saved_errno;
}

void cancel_shell_call(void* p) {
  const ShellCall& call = *static_cast<ShellCall*>(p);
  ::kill(call.pid, SIGKILL);
  while (::waitpid(call.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  end_shell_call(call);
}

int run_shell(const char* command) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  pthread_mutex_lock(&g_system_lock);
  if (g_system_callers++ == 0) {
    ::sigaction(SIGINT, &ignore, &g_saved_int);
    ::sigaction(SIGQUIT, &ignore, &g_saved_quit);
  }
  sigset_t defaults;
  sigemptyset(&defaults);
  if (g_saved_int.sa_handler != SIG_IGN) sigaddset(&defaults, SIGINT);
  if (g_saved_quit.sa_handler != SIG_IGN) sigaddset(&defaults, SIGQUIT);
  pthread_mutex_unlock(&g_system_lock);

  ShellCall call;
  sigset_t child;
  sigemptyset(&child);
  sigaddset(&child, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child, &call.saved_mask);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &call.saved_mask);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  const char* argv[] = {"sh", "-c", "--", command, nullptr};
  int rc;
  {
    const ExecEnvironment env(environ);
    rc = real_posix_spawn()(&call.pid, "/bin/sh", nullptr, &attr, const_cast<char* const*>(argv), env.get());
  }
  posix_spawnattr_destroy(&attr);
  int status = 127 << 8;  // POSIX: as if the shell had done _exit(127)
  if (rc == 0) {
    pthread_cleanup_push(cancel_shell_call, &call);
    while (::waitpid(call.pid, &status, 0) < 0) {
      if (errno != EINTR) {
        status = -1;
        break;
      }
    }
    pthread_cleanup_pop(0);
  }
  end_shell_call(call);
  return status;
}

}  // namespace

}  // namespace ariadne::record

using namespace ariadne::record;

ARIADNE_RT_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  return exec_path(path, argv, envp);
}

ARIADNE_RT_EXPORT int execv(const char* path, char* const argv[]) { return exec_path(path, argv, environ); }

ARIADNE_RT_EXPORT int execvp(const char* file, char* const argv[]) {
  return exec_searching(file, argv, environ);
}

ARIADNE_RT_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  return exec_searching(file, argv, envp);
}

ARIADNE_RT_EXPORT int execl(const char* path, const char* arg, ...) {
  const char* argv[kMaxListArgs];
  va_list ap;
  va_start(ap, arg);
  const bool ok = gather(arg, &ap, argv);
  va_end(ap);
  return ok ? exec_path(path, const_cast<char* const*>(argv), environ) : -1;
}

ARIADNE_RT_EXPORT int execlp(const char* file, const char* arg, ...) {
  const char* argv[kMaxListArgs];
  va_list ap;
  va_start(ap, arg);
  const bool ok = gather(arg, &ap, argv);
  va_end(ap);
  return ok ? exec_searching(file, const_cast<char* const*>(argv), environ) : -1;
}

ARIADNE_RT_EXPORT int execle(const char* path, const char* arg, ...) {
  const char* argv[kMaxListArgs];
  va_list ap;
  va_start(ap, arg);
  const bool ok = gather(arg, &ap, argv);
  char* const* envp = ok ? va_arg(ap, char* const*) : nullptr;
  va_end(ap);
  return ok ? exec_path(path, const_cast<char* const*>(argv), envp) : -1;
}

ARIADNE_RT_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
  static const auto real = next_definition<FexecveFn>("fexecve");
  char shown[32];
  fd_path(fd, shown);
  const ExecEnvironment env(envp);
  return exec_recorded(shown, [&] { return real(fd, argv, env.get()); });
}

ARIADNE_RT_EXPORT int execveat(int dirfd, const char* path, char* const argv[], char* const envp[],
                               int flags) {
  static const auto real = next_definition<ExecveatFn>("execveat");
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  const ExecEnvironment env(envp);
  return exec_recorded(path, [&] { return real(dirfd, path, argv, env.get(), flags); });
}

ARIADNE_RT_EXPORT int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                                  const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  const ExecEnvironment env(envp);
  return real_posix_spawn()(pid, path, actions, attr, argv, env.get());
}

ARIADNE_RT_EXPORT int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                                   const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  static const auto real = next_definition<SpawnFn>("posix_spawnp");
  const ExecEnvironment env(envp);
  return real(pid, file, actions, attr, argv, env.get());
}

ARIADNE_RT_EXPORT int system(const char* command) {
  static const auto real = next_definition<int (*)(const char*)>("system");
  if (command == nullptr) return real(nullptr);  // is there a shell?
  return run_shell(command);
}
