// System calls by number (docs/replay.md, "System calls" and its table):
// libc's syscall(2), and the calls the program makes without passing an
// exported function replay interposes, trapped (arch/SyscallTrap.hpp):
// stdio's writes, opendir's getdents64, malloc's mmap and brk, sleep's
// clock_nanosleep, a `syscall` instruction of the program's own.
//
// A number goes one of four ways:
//   * to replay's interposer of that call (read, write, futex, the clocks,
//     anonymous mmap...): logged as if the program had called it;
//   * emulated: made when recording, its result and the memory it wrote
//     (by the table below) logged and handed back in replay, not made;
//   * refused: its effects cannot be logged (io_uring, ptrace, clone...):
//     one line and the recording stops;
//   * any other: made in record and in replay alike and its result compared
//     (brk, mprotect, madvise, rt_sigprocmask, umask...): the process's own
//     state, or a call whose outputs replay does not know.
//
// The program's functions: no runtime/NoLibcSyscalls.hpp (see
// ThreadInterposers.cpp).
#include "replay/SyscallRouting.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <ctime>

#include "arch/RawSyscall.hpp"
#include "arch/SyscallTrap.hpp"
#include "ariadne/trace.hpp"
#include "replay/Interposer.hpp"

using namespace ariadne::replay;

namespace {

// System calls whose effects cannot be logged at the call (docs/replay.md,
// the syscall table): a recording that made one would replay differently.
const char* unloggable(long nr) {
  switch (nr) {
#define ARIADNE_UNLOGGABLE(name) \
  case SYS_##name:               \
    return #name;
    ARIADNE_UNLOGGABLE(io_uring_setup)
    ARIADNE_UNLOGGABLE(io_uring_enter)
    ARIADNE_UNLOGGABLE(io_uring_register)
    ARIADNE_UNLOGGABLE(ptrace)
    ARIADNE_UNLOGGABLE(process_vm_readv)
    ARIADNE_UNLOGGABLE(process_vm_writev)
    ARIADNE_UNLOGGABLE(userfaultfd)
    ARIADNE_UNLOGGABLE(perf_event_open)
    ARIADNE_UNLOGGABLE(bpf)
    ARIADNE_UNLOGGABLE(clone)
    ARIADNE_UNLOGGABLE(clone3)
    ARIADNE_UNLOGGABLE(execve)
    ARIADNE_UNLOGGABLE(execveat)
#ifdef SYS_fork  // x86-64 only: AArch64 forks with clone
    ARIADNE_UNLOGGABLE(fork)
    ARIADNE_UNLOGGABLE(vfork)
#endif
#undef ARIADNE_UNLOGGABLE
    default:
      return nullptr;
  }
}

// One line naming the call, and the recording ends here (exit 125, as for an
// instruction that cannot be diverted): never a silently wrong replay.
[[noreturn]] void refuse_syscall(const char* name) {
  ariadne::sys_print(2,
                     "ariadne: syscall(SYS_%s): its effects cannot be logged, so a replay could differ "
                     "(docs/replay.md, the syscall table); the recording stops here\n",
                     name);
  ariadne::sys_exit_group(125);
}

long real_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  static const auto real = next<long (*)(long, ...)>("syscall");
  return real(nr, a0, a1, a2, a3, a4, a5);
}

// A call by number: the number and five arguments in Args, the sixth beside.
struct NumberedCall : Args {
  long sixth;
};
long run_numbered(const Args& x) {
  return real_syscall(static_cast<long>(x.a[0]), static_cast<long>(x.a[1]), static_cast<long>(x.a[2]),
                      static_cast<long>(x.a[3]), static_cast<long>(x.a[4]), static_cast<long>(x.a[5]),
                      static_cast<const NumberedCall&>(x).sixth);
}
NumberedCall numbered(long nr, const long v[6], int (*outs)(const Args&, long, OutBuf*) = nullptr) {
  return {
      {run_numbered,
       {static_cast<std::uint64_t>(nr), static_cast<std::uint64_t>(v[0]), static_cast<std::uint64_t>(v[1]),
        static_cast<std::uint64_t>(v[2]), static_cast<std::uint64_t>(v[3]), static_cast<std::uint64_t>(v[4])},
       outs},
      v[5]};
}

// Made in record and replay alike, the result compared. The digest is of the
// number alone: how many arguments the call takes is not known here, and the
// registers past them hold anything.
long made_and_compared(ReplayThread* me, long nr, const long v[6]) {
  NumberedCall a = numbered(nr, v);
  const CallSpec spec{static_cast<std::uint64_t>(nr), digest_words({static_cast<std::uint64_t>(nr)}), false,
                      /*execute_in_replay=*/true,
                      /*reimpose=*/nullptr,
                      /*compare_result=*/true};
  return intercept(me, spec, run_args, args_outputs, static_cast<Args*>(&a));
}

// ------------------------------------------------ emulated: what each writes
// Argument k of a numbered call is a.a[k + 1] (a.a[0] is the number).
void* arg_ptr(const Args& a, int k) { return reinterpret_cast<void*>(a.a[k + 1]); }

// The buffer in argument K, as long as the result says.
template <int K>
int out_result_bytes(const Args& a, long r, OutBuf* o) {
  if (r <= 0 || arg_ptr(a, K) == nullptr) return 0;
  o[0] = {arg_ptr(a, K), static_cast<std::size_t>(r)};
  return 1;
}
// A structure of N bytes in argument K, written when the call succeeds.
template <int K, std::size_t N>
int out_struct(const Args& a, long r, OutBuf* o) {
  if (r < 0 || arg_ptr(a, K) == nullptr) return 0;
  o[0] = {arg_ptr(a, K), N};
  return 1;
}
// poll/ppoll: the revents of every pollfd.
int out_pollfds(const Args& a, long r, OutBuf* o) {
  if (r < 0 || arg_ptr(a, 0) == nullptr) return 0;
  o[0] = {arg_ptr(a, 0), static_cast<std::size_t>(a.a[2]) * sizeof(struct pollfd)};
  return 1;
}
int out_epoll_events(const Args& a, long r, OutBuf* o) {
  if (r <= 0) return 0;
  o[0] = {arg_ptr(a, 1), static_cast<std::size_t>(r) * sizeof(struct epoll_event)};
  return 1;
}
// select/pselect6: the three sets (nfds bits each, in longs) and the timeout
// select updates.
int out_fd_sets(const Args& a, long r, OutBuf* o) {
  if (r < 0) return 0;
  const std::size_t bytes = (static_cast<std::size_t>(a.a[1]) + 63) / 64 * 8;
  int n = 0;
  for (int k = 1; k <= 3; ++k)
    if (arg_ptr(a, k) != nullptr) o[n++] = {arg_ptr(a, k), bytes};
  if (arg_ptr(a, 4) != nullptr) o[n++] = {arg_ptr(a, 4), sizeof(struct timespec)};
  return n;
}
int out_wait4(const Args& a, long r, OutBuf* o) {
  if (r < 0) return 0;
  int n = 0;
  if (arg_ptr(a, 1) != nullptr) o[n++] = {arg_ptr(a, 1), sizeof(int)};
  if (arg_ptr(a, 3) != nullptr) o[n++] = {arg_ptr(a, 3), sizeof(struct rusage)};
  return n;
}

struct Emulated {
  long nr;
  // The arguments that go into the digest (bit k: argument k): values and
  // addresses, which are the same in a faithful replay; not a pid or tid.
  unsigned digest_args;
  bool blocking;  // may wait for another thread or process: the baton is let go
  int (*outs)(const Args&, long, OutBuf*);
};
constexpr std::size_t kStatxBytes = 256;  // struct statx
const Emulated kEmulated[] = {
    {SYS_getdents64, 0x7, false, out_result_bytes<1>},
    {SYS_newfstatat, 0x3, false, out_struct<2, sizeof(struct stat)>},
    {SYS_statx, 0xf, false, out_struct<4, kStatxBytes>},
    {SYS_fstatfs, 0x3, false, out_struct<1, sizeof(struct statfs)>},
    {SYS_statfs, 0x3, false, out_struct<1, sizeof(struct statfs)>},
    {SYS_readlinkat, 0xf, false, out_result_bytes<2>},
    {SYS_getcwd, 0x3, false, out_result_bytes<0>},
    {SYS_uname, 0x1, false, out_struct<0, sizeof(struct utsname)>},
    {SYS_sysinfo, 0x1, false, out_struct<0, sizeof(struct sysinfo)>},
    {SYS_times, 0x1, false, out_struct<0, sizeof(struct tms)>},
    {SYS_getrusage, 0x3, false, out_struct<1, sizeof(struct rusage)>},
    {SYS_prlimit64, 0xe, false, out_struct<3, sizeof(struct rlimit)>},
    {SYS_sched_getaffinity, 0x6, false, out_result_bytes<2>},
    {SYS_ppoll, 0x3, true, out_pollfds},
    {SYS_pselect6, 0x1, true, out_fd_sets},
    {SYS_epoll_pwait, 0x7, true, out_epoll_events},
    {SYS_wait4, 0x6, true, out_wait4},
    // Paths: the files in replay are not the recorded ones (a directory
    // mkdtemp made when recording does not exist), so what is asked of the
    // file system is answered from the log.
    {SYS_faccessat, 0x7, false, nullptr},
    {SYS_faccessat2, 0xf, false, nullptr},
    {SYS_mkdirat, 0x7, false, nullptr},
    {SYS_unlinkat, 0x7, false, nullptr},
    {SYS_renameat, 0xf, false, nullptr},
    {SYS_renameat2, 0x1f, false, nullptr},
    {SYS_linkat, 0x1f, false, nullptr},
    {SYS_symlinkat, 0x7, false, nullptr},
    {SYS_fchmodat, 0x7, false, nullptr},
    {SYS_fchownat, 0x1f, false, nullptr},
    {SYS_utimensat, 0xf, false, nullptr},
    {SYS_fchmod, 0x3, false, nullptr},
    {SYS_fdatasync, 0x1, true, nullptr},
    {SYS_fsync, 0x1, true, nullptr},
    {SYS_flock, 0x3, true, nullptr},
#ifdef SYS_poll  // x86-64's older numbers (AArch64 has only the newer ones)
    {SYS_poll, 0x3, true, out_pollfds},
    {SYS_select, 0x1, true, out_fd_sets},
    {SYS_epoll_wait, 0x7, true, out_epoll_events},
    {SYS_readlink, 0x7, false, out_result_bytes<1>},
    {SYS_access, 0x3, false, nullptr},
    {SYS_mkdir, 0x3, false, nullptr},
    {SYS_unlink, 0x1, false, nullptr},
    {SYS_rmdir, 0x1, false, nullptr},
    {SYS_rename, 0x3, false, nullptr},
#endif
};

long emulated(ReplayThread* me, const Emulated& e, const long v[6]) {
  NumberedCall a = numbered(e.nr, v, e.outs);
  std::uint64_t words[7] = {static_cast<std::uint64_t>(e.nr)};
  std::size_t n = 1;
  for (int k = 0; k < 6; ++k)
    if ((e.digest_args >> k & 1) != 0) words[n++] = static_cast<std::uint64_t>(v[k]);
  const std::uint64_t d = digest(0xcbf29ce484222325ull, words, n * sizeof words[0]);
  return intercept(me, CallSpec{static_cast<std::uint64_t>(e.nr), d, e.blocking, false}, run_args,
                   args_outputs, static_cast<Args*>(&a));
}

void* ptr(long v) { return reinterpret_cast<void*>(v); }
int i32(long v) { return static_cast<int>(v); }

}  // namespace

namespace ariadne::replay {

long route_syscall(ReplayThread* me, long nr, const long v[6]) noexcept {
  switch (nr) {
    case SYS_futex:
      return program_futex(me, static_cast<std::uint32_t*>(ptr(v[0])), i32(v[1]),
                           static_cast<std::uint32_t>(v[2]), static_cast<std::uint64_t>(v[3]),
                           static_cast<std::uint32_t*>(ptr(v[4])), static_cast<std::uint32_t>(v[5]));
    case SYS_gettid:
      return gettid();
    case SYS_getpid:
      return getpid();
    case SYS_getppid:
      return getppid();
    case SYS_getrandom:
      return getrandom(ptr(v[0]), static_cast<std::size_t>(v[1]), static_cast<unsigned>(v[2]));
    case SYS_tgkill:
      return pthread_kill(pthread_self(), i32(v[2]));
    case SYS_kill:
      return kill(static_cast<pid_t>(v[0]), i32(v[1]));
    case SYS_read:
      return read(i32(v[0]), ptr(v[1]), static_cast<std::size_t>(v[2]));
    case SYS_write:
      return write(i32(v[0]), ptr(v[1]), static_cast<std::size_t>(v[2]));
    case SYS_pread64:
      return pread64(i32(v[0]), ptr(v[1]), static_cast<std::size_t>(v[2]), static_cast<off_t>(v[3]));
    case SYS_readv:
      return readv(i32(v[0]), static_cast<const struct iovec*>(ptr(v[1])), i32(v[2]));
    case SYS_writev:
      return writev(i32(v[0]), static_cast<const struct iovec*>(ptr(v[1])), i32(v[2]));
    case SYS_lseek:
      return lseek(i32(v[0]), static_cast<off_t>(v[1]), i32(v[2]));
    case SYS_fstat:
      return fstat(i32(v[0]), static_cast<struct stat*>(ptr(v[1])));
    case SYS_openat:
      return openat(i32(v[0]), static_cast<const char*>(ptr(v[1])), i32(v[2]), static_cast<mode_t>(v[3]));
#ifdef SYS_open  // x86-64 only
    case SYS_open:
      return open(static_cast<const char*>(ptr(v[0])), i32(v[1]), static_cast<mode_t>(v[2]));
#endif
    case SYS_close:
      return close(i32(v[0]));
    case SYS_dup:
      return dup(i32(v[0]));
    case SYS_dup3:
      return dup3(i32(v[0]), i32(v[1]), i32(v[2]));
    case SYS_pipe2:
      return pipe2(static_cast<int*>(ptr(v[0])), i32(v[1]));
    case SYS_clock_gettime:
      return clock_gettime(static_cast<clockid_t>(v[0]), static_cast<struct timespec*>(ptr(v[1])));
    case SYS_clock_getres:
      return clock_getres(static_cast<clockid_t>(v[0]), static_cast<struct timespec*>(ptr(v[1])));
    case SYS_gettimeofday:
      return gettimeofday(static_cast<struct timeval*>(ptr(v[0])), ptr(v[1]));
    case SYS_nanosleep:
      return nanosleep(static_cast<const struct timespec*>(ptr(v[0])),
                       static_cast<struct timespec*>(ptr(v[1])));
    case SYS_clock_nanosleep:
      // A relative sleep is a sleep (sleep(3), usleep(3) come here); an
      // absolute one waits for a time of the clock: emulated, blocking.
      if (v[1] == 0)
        return nanosleep(static_cast<const struct timespec*>(ptr(v[2])),
                         static_cast<struct timespec*>(ptr(v[3])));
      break;
    case SYS_sched_yield:
      return sched_yield();
    case SYS_getcpu:
      return getcpu(static_cast<unsigned*>(ptr(v[0])), static_cast<unsigned*>(ptr(v[1])));
    case SYS_mmap:
      // As the program's own: anonymous memory re-imposed, a file's bytes
      // from the log (its fd is a stand-in in replay, as the open was
      // emulated). The dynamic loader's maps of libraries are its own.
      return reinterpret_cast<long>(mmap(ptr(v[0]), static_cast<std::size_t>(v[1]), i32(v[2]), i32(v[3]),
                                         i32(v[4]), static_cast<off_t>(v[5])));
    case SYS_munmap:
      return munmap(ptr(v[0]), static_cast<std::size_t>(v[1]));
    case SYS_mremap:
      return reinterpret_cast<long>(mremap(ptr(v[0]), static_cast<std::size_t>(v[1]),
                                           static_cast<std::size_t>(v[2]), i32(v[3]), ptr(v[4])));
    case SYS_rt_sigaction:
      if (v[1] != 0) refuse_trap_signal(i32(v[0]));  // signal(3) comes here, past sigaction
      break;
    case SYS_exit_group:
      _exit(i32(v[0]));  // logged as the program's exit, as _exit is
    case SYS_exit:
      // A thread's end (Session.cpp, the exit key): libc's part of it ran
      // with the baton; the kernel's, after this, without.
      thread_ending(me);
      ariadne::raw_syscall(SYS_exit, v[0]);
      __builtin_unreachable();
    default:
      break;
  }
  if (const char* name = unloggable(nr)) refuse_syscall(name);
  for (const Emulated& e : kEmulated)
    if (e.nr == nr) return emulated(me, e, v);
  if (nr == SYS_clock_nanosleep) {
    static constexpr Emulated absolute{SYS_clock_nanosleep, 0x7, true, nullptr};
    return emulated(me, absolute, v);
  }
  return made_and_compared(me, nr, v);
}

void refuse_trap_signal(int sig) noexcept {
  if (sig == 0 || sig != arch::syscall_trap_signal()) return;
  ariadne::sys_print(2,
                     "ariadne: the program sets an action for signal %d (SIGSYS), which replay's system-call "
                     "trap raises (docs/replay.md, \"System calls\"); the recording stops here\n",
                     sig);
  ariadne::sys_exit_group(125);
}

long trapped_syscall(long nr, const long v[6]) noexcept {
  ReplayThread* me = self();
  if (me == nullptr || me->in_real_call) return ariadne::raw_syscall(nr, v[0], v[1], v[2], v[3], v[4], v[5]);
  // The interposers answer as libc does (-1 and errno); the trapped
  // instruction expects the kernel's -errno. The program's errno is kept
  // by the trap's handler.
  errno = 0;
  const long r = route_syscall(me, nr, v);
  return r == -1 && errno != 0 ? -errno : r;
}

namespace {

// The executable segments of the module whose load address is `base`, or
// of the one that holds `address`.
struct CodeOf {
  std::uintptr_t base;
  std::uintptr_t address;
  int added;
};
int exempt_module_code(struct dl_phdr_info* info, std::size_t, void* data) {
  auto* want = static_cast<CodeOf*>(data);
  bool match = want->base != 0 && info->dlpi_addr == want->base;
  for (int i = 0; i < info->dlpi_phnum && !match && want->address != 0; ++i) {
    const ElfW(Phdr)& p = info->dlpi_phdr[i];
    const std::uintptr_t begin = info->dlpi_addr + p.p_vaddr;
    match = p.p_type == PT_LOAD && want->address >= begin && want->address < begin + p.p_memsz;
  }
  if (!match) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& p = info->dlpi_phdr[i];
    if (p.p_type != PT_LOAD || (p.p_flags & PF_X) == 0) continue;
    const std::uintptr_t begin = info->dlpi_addr + p.p_vaddr;
    if (arch::exempt_code(begin, begin + p.p_memsz)) ++want->added;
  }
  return 1;
}

}  // namespace

bool start_trapping_syscalls() noexcept {
  // The dynamic loader's own calls (a dlopen's opens, reads and maps of the
  // library) are made in replay as when recording: the libraries are the
  // recorded ones (their build-ids are checked). The tracer's raw stub in
  // libariadne-rt.so is the runtime's.
  CodeOf loader{getauxval(AT_BASE), 0, 0};
  if (loader.base != 0) dl_iterate_phdr(exempt_module_code, &loader);
  CodeOf tracer{0, reinterpret_cast<std::uintptr_t>(&trace::enable), 0};
  dl_iterate_phdr(exempt_module_code, &tracer);
  return arch::install_syscall_trap(trapped_syscall) && arch::start_syscall_trap();
}

}  // namespace ariadne::replay

// libc's syscall(2): routed as a trapped call is, libc's way (-1 and errno).
ARIADNE_REPLAY_EXPORT long syscall(long nr, ...) {
  va_list ap;
  va_start(ap, nr);
  long v[6];
  for (long& x : v) x = va_arg(ap, long);
  va_end(ap);
  ReplayThread* me = self();
  if (me == nullptr || me->in_real_call) return real_syscall(nr, v[0], v[1], v[2], v[3], v[4], v[5]);
  return route_syscall(me, nr, v);
}
