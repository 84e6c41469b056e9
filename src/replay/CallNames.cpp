// The names of the calls replay intercepts, for divergence reports: the
// SYS_* numbers of the architecture the runtime is built for, and the
// libc-level calls of ReplayFormat.hpp.
#include "replay/CallNames.hpp"

#include <sys/syscall.h>

#include "replay/ReplayFormat.hpp"

// Not runtime/NoLibcSyscalls.hpp: this table names the very calls it poisons,
// and makes no call at all.

namespace ariadne::replay {

const char* call_name(std::uint64_t nr) noexcept {
  switch (nr) {
#define ARIADNE_CALL(name) \
  case SYS_##name:         \
    return #name;
    ARIADNE_CALL(read)
    ARIADNE_CALL(write)
    ARIADNE_CALL(close)
    ARIADNE_CALL(fstat)
    ARIADNE_CALL(lseek)
    ARIADNE_CALL(pread64)
    ARIADNE_CALL(pwrite64)
    ARIADNE_CALL(readv)
    ARIADNE_CALL(writev)
    ARIADNE_CALL(dup)
    ARIADNE_CALL(dup3)
    ARIADNE_CALL(nanosleep)
    ARIADNE_CALL(getpid)
    ARIADNE_CALL(getppid)
    ARIADNE_CALL(gettid)
    ARIADNE_CALL(socket)
    ARIADNE_CALL(connect)
    ARIADNE_CALL(accept4)
    ARIADNE_CALL(sendto)
    ARIADNE_CALL(recvfrom)
    ARIADNE_CALL(shutdown)
    ARIADNE_CALL(bind)
    ARIADNE_CALL(listen)
    ARIADNE_CALL(getsockname)
    ARIADNE_CALL(setsockopt)
    ARIADNE_CALL(setitimer)
    ARIADNE_CALL(kill)
    ARIADNE_CALL(fcntl)
    ARIADNE_CALL(fsync)
    ARIADNE_CALL(ftruncate)
    ARIADNE_CALL(openat)
    ARIADNE_CALL(newfstatat)
    ARIADNE_CALL(unlinkat)
    ARIADNE_CALL(pipe2)
    ARIADNE_CALL(getrandom)
    ARIADNE_CALL(clock_getres)
    ARIADNE_CALL(getcpu)
    ARIADNE_CALL(times)
    ARIADNE_CALL(getuid)
    ARIADNE_CALL(membarrier)
    ARIADNE_CALL(mmap)
    ARIADNE_CALL(munmap)
    ARIADNE_CALL(mremap)
    // Trapped calls libc makes by itself (SyscallRouting.cpp).
    ARIADNE_CALL(getdents64)
    ARIADNE_CALL(statx)
    ARIADNE_CALL(fstatfs)
    ARIADNE_CALL(statfs)
    ARIADNE_CALL(readlinkat)
    ARIADNE_CALL(getcwd)
    ARIADNE_CALL(uname)
    ARIADNE_CALL(sysinfo)
    ARIADNE_CALL(getrusage)
    ARIADNE_CALL(prlimit64)
    ARIADNE_CALL(sched_getaffinity)
    ARIADNE_CALL(ppoll)
    ARIADNE_CALL(pselect6)
    ARIADNE_CALL(epoll_pwait)
    ARIADNE_CALL(wait4)
    ARIADNE_CALL(clock_nanosleep)
    ARIADNE_CALL(brk)
    ARIADNE_CALL(mprotect)
    ARIADNE_CALL(madvise)
    ARIADNE_CALL(faccessat)
    ARIADNE_CALL(rt_sigaction)
    ARIADNE_CALL(rt_sigprocmask)
    ARIADNE_CALL(ioctl)
    ARIADNE_CALL(umask)
#undef ARIADNE_CALL
    case kCallClockGettime:
      return "clock_gettime";
    case kCallGettimeofday:
      return "gettimeofday";
    case kCallTime:
      return "time";
    case kCallAlarm:
      return "alarm";
    case kCallRaise:
      return "raise";
    case kCallPthreadKill:
      return "pthread_kill";
    case kCallMkdtemp:
      return "mkdtemp";
    case kCallMkstemp:
      return "mkstemp";
    case kCallDup2:
      return "dup2";
    case kCallRmdir:
      return "rmdir";
    case kCallMkdir:
      return "mkdir";
    case kCallRename:
      return "rename";
    case kCallNondetInsn:
      return "a nondeterministic instruction";
    case kCallGetNprocs:
      return "get_nprocs";
    case kCallGetNprocsConf:
      return "get_nprocs_conf";
    case kCallSysconf:
      return "sysconf";
    default:
      return "call";
  }
}

}  // namespace ariadne::replay
