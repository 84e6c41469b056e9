// Makes libc's system-call wrappers unusable in the rest of a runtime
// translation unit (libariadne-rt: src/runtime, src/trace, src/record,
// src/patch, src/abi and the arch code they link). They set errno, and the
// runtime's work inside a traced call must leave the program's errno as it
// was; the runtime uses the raw layer instead (arch/RawSyscall.hpp: sys_open,
// sys_write, sys_mmap...), which is also the one place replay exempts from
// syscall interception. rr's preload library guards itself the same way.
//
// Include it LAST, in its own clang-format-off block: a header included
// after it could not mention these names. src/runtime/CMakeLists.txt checks
// that every runtime source does.
//
// The deliberate exceptions, which go to libc on purpose:
//   * the interposers' forwarding to libc's own definitions through
//     dlsym(RTLD_NEXT) (sigaction, fork, the exec family, pthread_create,
//     dlopen/dlclose): the program asked for them;
//   * sigaction itself: x86-64's rt_sigaction needs libc's signal-return
//     trampoline (SA_RESTORER);
//   * clock_gettime (a vDSO call, no syscall natively; it sets errno only for
//     a bad clock id), pthread_* (locks, keys, atfork), malloc and friends at
//     load time, dlsym/dl_iterate_phdr, libelf reading a module, std::abort
//     on a fatal ABI violation, and abicheck's fflush of the program's own
//     stdio buffers before it ends the process.
#pragma once

#include "arch/RawSyscall.hpp"

// Plain words that are also field and enumerator names (ThreadLog::open,
// LeftBehind::rename): caught as calls only. munmap too: StackRegions.cpp
// #undefs it to define the program's munmap (an interposer).
#define munmap(...) ARIADNE_RUNTIME_USES_sys_munmap_NOT_LIBC_munmap
#define open(...) ARIADNE_RUNTIME_USES_sys_open_NOT_LIBC_open
#define read(...) ARIADNE_RUNTIME_USES_sys_read_NOT_LIBC_read
#define write(...) ARIADNE_RUNTIME_USES_sys_write_NOT_LIBC_write
#define close(...) ARIADNE_RUNTIME_USES_sys_close_NOT_LIBC_close
#define rename(...) ARIADNE_RUNTIME_USES_sys_rename_NOT_LIBC_rename

// clang-format off
#pragma GCC poison openat creat readv writev pread pwrite pread64 pwrite64 lseek
#pragma GCC poison mmap mprotect madvise mremap msync
#pragma GCC poison ftruncate fstat lstat fcntl ioctl dup dup2 dup3 pipe pipe2
#pragma GCC poison mkdir mkdirat unlink unlinkat renameat readlink readlinkat access
#pragma GCC poison syscall getpid getppid gettid kill tgkill raise _exit
#pragma GCC poison sched_yield nanosleep usleep sleep prctl
#pragma GCC poison fopen fdopen fclose fwrite fputs puts perror printf fprintf vfprintf vprintf
// clang-format on
