// The preloaded runtime's one way into the kernel: ariadne_raw_syscall
// (src/arch/<arch>/raw_syscall.S) and typed helpers over it.
//
// Why not libc's wrappers: they write errno on failure, and the runtime's
// slow paths run inside the program's traced calls (a segment roll-over
// whose O_EXCL create meets EEXIST, a /proc/self/maps read, a string capture
// that meets EFAULT). Every helper here returns what the kernel returned,
// -errno on failure, and never touches errno, so the program's errno is the
// one it had. Runtime translation units include runtime/NoLibcSyscalls.hpp
// last, which makes libc's wrappers unusable there.
//
// This is also the single place the replay subsystem (docs/replay.md) will
// exempt from syscall interception: the runtime's own syscalls are not the
// program's and must not be recorded or replayed.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>  // SYS_* numbers: one name, each architecture's value
#include <sys/types.h>
#include <sys/uio.h>

#include <cerrno>  // the E* numbers; errno itself is never read or written
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <type_traits>

extern "C" long ariadne_raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) noexcept;

namespace ariadne {

namespace detail {
template <typename T>
inline long syscall_arg(T v) noexcept {
  if constexpr (std::is_null_pointer_v<T>) {
    return 0;
  } else if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<long>(v);
  } else {
    return static_cast<long>(v);
  }
}
}  // namespace detail

// The kernel's result: >= 0 on success, -errno (-4095..-1) on failure.
template <typename... A>
inline long raw_syscall(long nr, A... a) noexcept {
  static_assert(sizeof...(A) <= 6, "at most six syscall arguments");
  long v[6] = {detail::syscall_arg(a)...};
  return ariadne_raw_syscall(nr, v[0], v[1], v[2], v[3], v[4], v[5]);
}

// The error number of a result (0 when it succeeded).
inline int sys_error(long result) noexcept {
  return static_cast<unsigned long>(result) > static_cast<unsigned long>(-4096L) ? static_cast<int>(-result)
                                                                                 : 0;
}

inline long sys_read(int fd, void* buf, std::size_t n) noexcept { return raw_syscall(SYS_read, fd, buf, n); }
inline long sys_write(int fd, const void* buf, std::size_t n) noexcept {
  return raw_syscall(SYS_write, fd, buf, n);
}
inline long sys_writev(int fd, const iovec* iov, int count) noexcept {
  return raw_syscall(SYS_writev, fd, iov, count);
}
inline int sys_openat(int dirfd, const char* path, int flags, mode_t mode = 0) noexcept {
  return static_cast<int>(raw_syscall(SYS_openat, dirfd, path, flags, mode));
}
inline int sys_open(const char* path, int flags, mode_t mode = 0) noexcept {
  return sys_openat(AT_FDCWD, path, flags, mode);
}
inline int sys_close(int fd) noexcept { return static_cast<int>(raw_syscall(SYS_close, fd)); }
inline int sys_ftruncate(int fd, off_t length) noexcept {
  return static_cast<int>(raw_syscall(SYS_ftruncate, fd, length));
}
inline int sys_pipe2(int fds[2], int flags) noexcept {
  return static_cast<int>(raw_syscall(SYS_pipe2, fds, flags));
}
inline int sys_mkdir(const char* path, mode_t mode) noexcept {
  return static_cast<int>(raw_syscall(SYS_mkdirat, AT_FDCWD, path, mode));
}
inline int sys_unlink(const char* path) noexcept {
  return static_cast<int>(raw_syscall(SYS_unlinkat, AT_FDCWD, path, 0));
}
inline int sys_rename(const char* from, const char* to) noexcept {
  return static_cast<int>(raw_syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to));
}
inline long sys_readlink(const char* path, char* buf, std::size_t size) noexcept {
  return raw_syscall(SYS_readlinkat, AT_FDCWD, path, buf, size);
}
inline int sys_fstat(int fd, struct stat* st) noexcept {
  return static_cast<int>(raw_syscall(SYS_fstat, fd, st));
}
inline int sys_fcntl(int fd, int cmd, long arg) noexcept {
  return static_cast<int>(raw_syscall(SYS_fcntl, fd, cmd, arg));
}
// poll(2) with a zero timeout: AArch64 has no poll, only ppoll.
inline int sys_poll_now(struct pollfd* fds, unsigned long count) noexcept {
  const struct timespec zero { 0, 0 };
  return static_cast<int>(raw_syscall(SYS_ppoll, fds, count, &zero, 0L, 0L));
}

// MAP_FAILED on failure, like mmap(2), so callers read the same; the error
// number goes to *error if given.
inline void* sys_mmap(void* addr, std::size_t length, int prot, int flags, int fd, off_t offset,
                      int* error = nullptr) noexcept {
  const long r = raw_syscall(SYS_mmap, addr, length, prot, flags, fd, offset);
  if (sys_error(r) == 0) return reinterpret_cast<void*>(r);
  if (error != nullptr) *error = sys_error(r);
  return MAP_FAILED;
}
inline void* sys_mremap(void* old, std::size_t old_length, std::size_t new_length, int flags) noexcept {
  const long r = raw_syscall(SYS_mremap, old, old_length, new_length, flags);
  return sys_error(r) != 0 ? MAP_FAILED : reinterpret_cast<void*>(r);
}
inline int sys_munmap(void* addr, std::size_t length) noexcept {
  return static_cast<int>(raw_syscall(SYS_munmap, addr, length));
}
inline int sys_mprotect(void* addr, std::size_t length, int prot) noexcept {
  return static_cast<int>(raw_syscall(SYS_mprotect, addr, length, prot));
}

inline pid_t sys_getpid() noexcept { return static_cast<pid_t>(raw_syscall(SYS_getpid)); }
inline pid_t sys_getppid() noexcept { return static_cast<pid_t>(raw_syscall(SYS_getppid)); }
inline pid_t sys_gettid() noexcept { return static_cast<pid_t>(raw_syscall(SYS_gettid)); }

inline void sys_sched_yield() noexcept { raw_syscall(SYS_sched_yield); }

// Sends sig to this thread, as raise(3) does (without its signal masking).
inline int sys_raise(int sig) noexcept {
  return static_cast<int>(raw_syscall(SYS_tgkill, sys_getpid(), sys_gettid(), sig));
}

[[noreturn]] inline void sys_exit_group(int status) noexcept {
  for (;;) raw_syscall(SYS_exit_group, status);
}

// All of [data, data + n) to fd, short writes and EINTR retried; false on
// another error.
inline bool sys_write_all(int fd, const void* data, std::size_t n) noexcept {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const long w = sys_write(fd, p, n);
    if (w == -EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// printf-style text to fd (up to 1 KiB, longer is cut): formatted on the
// stack, written with sys_write. For the runtime's messages instead of stdio,
// whose writes set errno and may allocate.
__attribute__((format(__printf__, 2, 3))) inline void sys_print(int fd, const char* fmt, ...) noexcept {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (n > 0) sys_write_all(fd, text, static_cast<std::size_t>(n) < sizeof text ? n : sizeof text - 1);
}

}  // namespace ariadne
