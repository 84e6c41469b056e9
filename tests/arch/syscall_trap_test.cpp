// arch/SyscallTrap.hpp on AArch64, alone: every `svc #0` of the program, of
// libc and of a module dlopen'ed later is rewritten, and a counting handler
// (which makes each call itself through the raw layer) sees exactly the
// calls the program makes while its thread traps -- and none while it is
// paused, stopped or not started. Prints the figures; exit 0 when every
// check held.
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "arch/RawSyscall.hpp"
#include "arch/SyscallTrap.hpp"

namespace {

using ariadne::arch::pause_syscall_trap;

constexpr long kMaxNr = 512;
std::atomic<long> g_counts[kMaxNr];

long count(long nr) { return g_counts[nr].load(); }

// A clone whose child would run on a new stack or in this memory cannot be
// made from inside the handler (its child would return into the handler's
// frames): refused, as replay does. clone3 (glibc 2.36 does not use it on
// AArch64) with ENOSYS, which makes a glibc that does fall back to clone.
bool thread_like_clone(long nr, const long a[6]) {
  if (nr == SYS_clone3) return true;
  return nr == SYS_clone && ((a[0] & (CLONE_VM | CLONE_VFORK)) != 0 || a[1] != 0);
}

long counting_handler(long nr, const long a[6]) noexcept {
  if (nr >= 0 && nr < kMaxNr) g_counts[nr].fetch_add(1);
  errno = 77;  // the trap puts the program's errno back
  if (thread_like_clone(nr, a)) return nr == SYS_clone3 ? -ENOSYS : -EAGAIN;
  return ariadne_raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// Results are kept and printed at the end: printing while trapped would be
// calls of its own.
char g_report[8192];
std::size_t g_used = 0;
int g_failures = 0;

__attribute__((format(printf, 2, 3))) void check(bool ok, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char line[256];
  std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (!ok) ++g_failures;
  const int n =
      std::snprintf(g_report + g_used, sizeof g_report - g_used, "%s %s\n", ok ? "ok  " : "FAIL", line);
  if (n > 0) g_used = std::min(sizeof g_report - 1, g_used + static_cast<std::size_t>(n));
}

long real_pid() { return ariadne_raw_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0); }
long real_ppid() { return ariadne_raw_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0); }

std::uint32_t word_at(std::uintptr_t at) {
  std::uint32_t word;
  std::memcpy(&word, reinterpret_cast<const void*>(at), 4);
  return word;
}

// The first `svc #0` in the `bytes` from `function`, 0 if none.
std::uintptr_t svc_in(const void* function, std::uintptr_t bytes) {
  const auto begin = reinterpret_cast<std::uintptr_t>(function);
  for (std::uintptr_t at = begin; at < begin + bytes; at += 4)
    if (word_at(at) == 0xd4000001u) return at;
  return 0;
}

// The test's own raw layer makes the handler's calls: exempt, so those go
// to the kernel even when the handler did not run them.
bool exempt_raw_layer() {
  const std::uintptr_t svc = svc_in(reinterpret_cast<const void*>(&ariadne_raw_syscall), 64);
  return svc != 0 &&
         ariadne::arch::exempt_code(reinterpret_cast<std::uintptr_t>(&ariadne_raw_syscall), svc + 4);
}

// The `svc #0` words in libc's executable segment (its code and what the
// segment holds beside: no look-alike data there, measured).
long libc_svc_words() {
  long words = -1;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        if (info->dlpi_name == nullptr || std::strstr(info->dlpi_name, "/libc.so") == nullptr) return 0;
        long n = 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
          const auto* word = reinterpret_cast<const std::uint32_t*>(info->dlpi_addr + ph.p_vaddr);
          for (std::size_t k = 0; k < ph.p_filesz / 4; ++k) n += word[k] == 0xd4000001u;
        }
        *static_cast<long*>(data) = n;
        return 1;
      },
      &words);
  return words;
}

void* trapping_thread(void*) {
  const bool started = ariadne::arch::start_syscall_trap();
  for (int i = 0; i < 4; ++i) syscall(SYS_gettid);
  ariadne::arch::stop_syscall_trap();
  return reinterpret_cast<void*>(started ? 1 : 0);
}

void* idle_thread(void*) { return nullptr; }

// src/arch/aarch64/svc_torture.S: a getpid `svc #0` of this program with a
// pattern in every register, which only x0 may lose.
extern "C" unsigned long ariadne_svc_torture(long* result);
extern "C" unsigned long ariadne_svc_torture_vectors();

void torture(const char* how, long trapped) {
  const long before = count(SYS_getpid);
  long result = 0;
  const unsigned long changed = ariadne_svc_torture(&result);
  const unsigned long vectors = ariadne_svc_torture_vectors();
  const long seen = count(SYS_getpid) - before;
  check(
      changed == 0 && vectors == 0 && result == real_pid() && seen == trapped,
      "%s: x1-x30, NZCV, FPCR, SP kept (changed %#lx), q0-q31 kept (changed %#lx), x0 = getpid, %ld trapped",
      how, changed, vectors, seen);
}

}  // namespace

int main() {
  alarm(90);  // bounded: a hang is a failure
  const long pid = real_pid();
  check(exempt_raw_layer(), "the raw layer's svc exempted");
  torture("registers, not rewritten", 0);

  const std::uintptr_t torture_svc = svc_in(reinterpret_cast<const void*>(&ariadne_svc_torture), 4096);
  const long libc_svc = libc_svc_words();
  const auto t0 = std::chrono::steady_clock::now();
  const bool installed = ariadne::arch::install_syscall_trap(counting_handler);
  const auto install_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  check(installed, "install_syscall_trap: %lld us", static_cast<long long>(install_us));
  const long libc_left = libc_svc_words();
  check(libc_svc > 0 && libc_left == 0, "libc: %ld svc #0 in its executable segment, %ld left after install",
        libc_svc, libc_left);

  // Not started: nothing trapped.
  syscall(SYS_getpid);
  check(count(SYS_getpid) == 0, "before start: getpid not trapped (%ld)", count(SYS_getpid));
  torture("registers, rewritten, not started", 0);
  const bool before_start = ariadne::arch::syscall_trap_started();
  check(ariadne::arch::start_syscall_trap() && !before_start && ariadne::arch::syscall_trap_started(),
        "start_syscall_trap: syscall_trap_started() false before, true after");
  torture("registers, trapped", 1);

  // A site exempted once rewritten: `svc #0` again, to the kernel.
  const bool was_branch = torture_svc != 0 && (word_at(torture_svc) >> 26) == 0x05;  // B imm26
  const bool exempted = ariadne::arch::exempt_code(torture_svc, torture_svc + 4);
  check(was_branch && exempted && word_at(torture_svc) == 0xd4000001u,
        "exempt_code after install: the site's b back to svc #0");
  torture("registers, exempted site, trapping thread", 0);

  long got = 0;
  const long getpid_before = count(SYS_getpid);
  for (int i = 0; i < 5; ++i) got += syscall(SYS_getpid) == pid;
  check(got == 5 && count(SYS_getpid) - getpid_before == 5, "syscall(SYS_getpid) x5: %ld right, %ld trapped",
        got, count(SYS_getpid) - getpid_before);

  int fds[2] = {-1, -1};
  const int piped = pipe2(fds, O_CLOEXEC);
  check(piped == 0 && count(SYS_pipe2) == 1, "pipe2: %d, %ld trapped", piped, count(SYS_pipe2));
  const long wrote = write(fds[1], "hello", 5);
  char buf[8] = {};
  const long did_read = read(fds[0], buf, sizeof buf);
  check(wrote == 5 && did_read == 5 && std::memcmp(buf, "hello", 5) == 0,
        "write/read through a pipe: %ld, %ld", wrote, did_read);
  check(count(SYS_write) == 1 && count(SYS_read) == 1, "write, read: %ld, %ld trapped", count(SYS_write),
        count(SYS_read));

  timespec ts{};
  int clock_ok = 0;
  for (int i = 0; i < 3; ++i)
    clock_ok += clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0 && ts.tv_nsec >= 0;
  check(clock_ok == 3 && count(SYS_clock_gettime) == 3,
        "clock_gettime(CLOCK_PROCESS_CPUTIME_ID) x3: %d ok, %ld trapped", clock_ok, count(SYS_clock_gettime));

  errno = 1234;
  syscall(SYS_getpid);
  const int kept = errno;
  check(kept == 1234, "errno kept across a trapped call whose handler wrote it: %d", kept);
  const int closed = close(-1);
  const int close_errno = errno;
  check(closed == -1 && close_errno == EBADF && count(SYS_close) == 1, "close(-1): %d, errno %s, %ld trapped",
        closed, std::strerror(close_errno), count(SYS_close));
  for (int fd : fds) close(fd);

  // Paused: the calls go to the kernel. Pauses nest by the value returned.
  const long before_pause = count(SYS_getpid);
  const bool outer_was = pause_syscall_trap(true);
  const bool inner_was = pause_syscall_trap(true);
  for (int i = 0; i < 3; ++i) syscall(SYS_getpid);
  torture("registers, paused", 0);
  pause_syscall_trap(inner_was);
  syscall(SYS_getpid);  // still paused: the outer pause stands
  pause_syscall_trap(outer_was);
  check(!outer_was && inner_was && count(SYS_getpid) == before_pause,
        "paused (nested): 4 getpid, %ld trapped; pause returned %d then %d", count(SYS_getpid) - before_pause,
        outer_was, inner_was);
  syscall(SYS_getpid);
  check(count(SYS_getpid) == before_pause + 1, "unpaused: getpid trapped again");

  // A thread created while paused: its clone goes to the kernel from the
  // stub; the new thread traps once it starts trapping itself.
  const long clones_before = count(SYS_clone) + count(SYS_clone3);
  pthread_t thread;
  pause_syscall_trap(true);
  const int created = pthread_create(&thread, nullptr, trapping_thread, nullptr);
  pause_syscall_trap(false);
  void* started = nullptr;
  const int joined = created == 0 ? pthread_join(thread, &started) : -1;
  check(created == 0 && joined == 0 && started != nullptr, "pthread_create while paused: %d, join %d",
        created, joined);
  check(count(SYS_gettid) == 4 && count(SYS_clone) + count(SYS_clone3) == clones_before,
        "the thread's 4 gettid trapped: %ld; its clone not: %ld", count(SYS_gettid),
        count(SYS_clone) + count(SYS_clone3) - clones_before);

  // A thread created while trapping: the handler gets the clone (and here
  // refuses it, as replay does); nothing crashes.
  const int refused = pthread_create(&thread, nullptr, idle_thread, nullptr);
  if (refused == 0) pthread_join(thread, nullptr);
  check(refused == EAGAIN && count(SYS_clone3) + count(SYS_clone) >= 1,
        "pthread_create while trapping: %s (clone3 %ld, clone %ld trapped)", std::strerror(refused),
        count(SYS_clone3), count(SYS_clone));

  // fork: a clone the handler makes itself; the child returns through it.
  const long getpid_before_fork = count(SYS_getpid);
  const pid_t child = fork();
  if (child == 0) {
    const bool right = syscall(SYS_getpid) == real_pid() && count(SYS_getpid) == getpid_before_fork + 1;
    _exit(right ? 42 : 1);
  }
  int status = 0;
  const pid_t waited = waitpid(child, &status, 0);
  check(child > 0 && waited == child && WIFEXITED(status) && WEXITSTATUS(status) == 42,
        "fork while trapping: child %d exited %d (42: its getpid trapped in the child)",
        static_cast<int>(child), WIFEXITED(status) ? WEXITSTATUS(status) : -1);

  // A module loaded now: its constructor's own `svc` is trapped, so it was
  // rewritten before the constructor ran.
  void* plugin = dlopen(SYSCALL_TRAP_PLUGIN, RTLD_NOW);
  const long* constructed = plugin != nullptr
                                ? static_cast<const long*>(dlsym(plugin, "syscall_trap_plugin_constructed"))
                                : nullptr;
  const long after_constructor = count(SYS_getppid);
  auto* plugin_getppid = plugin != nullptr
                             ? reinterpret_cast<long (*)()>(dlsym(plugin, "syscall_trap_plugin_getppid"))
                             : nullptr;
  const long ppid = plugin_getppid != nullptr ? plugin_getppid() : -1;
  check(constructed != nullptr && *constructed == real_ppid() && after_constructor == 1,
        "dlopen'ed module: its constructor's svc trapped (%ld)", after_constructor);
  check(ppid == *constructed && count(SYS_getppid) == 2, "dlopen'ed module: a later svc trapped (%ld in all)",
        count(SYS_getppid));
  // Unloaded and loaded again (most likely where it was): rewritten again,
  // its stubs' pages of before unmapped.
  const int unloaded = plugin != nullptr ? dlclose(plugin) : -1;
  plugin = dlopen(SYSCALL_TRAP_PLUGIN, RTLD_NOW);
  check(unloaded == 0 && plugin != nullptr && count(SYS_getppid) == 3,
        "dlclose, dlopen again: the constructor's svc trapped again (%ld in all)", count(SYS_getppid));

  // Stopped: untrapped until started again (as on x86-64).
  ariadne::arch::stop_syscall_trap();
  const long before_stop = count(SYS_getpid);
  syscall(SYS_getpid);
  const bool started_when_stopped = ariadne::arch::syscall_trap_started();
  check(count(SYS_getpid) == before_stop && !started_when_stopped,
        "stopped: getpid not trapped, syscall_trap_started() false");
  const bool restarted = ariadne::arch::start_syscall_trap();
  syscall(SYS_getpid);
  ariadne::arch::stop_syscall_trap();
  syscall(SYS_getpid);
  check(restarted && count(SYS_getpid) == before_stop + 1,
        "started again: 1 of 2 getpid trapped, then stopped");

  long total = 0;
  for (const auto& c : g_counts) total += c.load();
  check(static_cast<long>(ariadne::arch::trapped_syscalls()) == total,
        "trapped_syscalls() %llu = the handler's %ld",
        static_cast<unsigned long long>(ariadne::arch::trapped_syscalls()), total);

  std::fputs(g_report, stdout);
  std::printf("%s: %d failure(s)\n", g_failures == 0 ? "PASS" : "FAIL", g_failures);
  return g_failures == 0 ? 0 : 1;
}
