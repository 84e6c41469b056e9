// File descriptors and the file calls that take one, as a replayable run
// sees them. dup, dup2, dup3, fcntl and close are made in both runs (the fd
// table of the replayed process is the recorded one: StandIn.hpp), and keep
// the model of which fds are the original stdout and stderr. Reads, writes
// and changes to files are made when recording only.
//
// The program's functions: no runtime/NoLibcSyscalls.hpp (see
// ThreadInterposers.cpp).
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstring>

#include "replay/Interposer.hpp"
#include "replay/StandIn.hpp"

using namespace ariadne::replay;

namespace {

// Bit per fd below 1024: the original stdout/stderr (1 and 2 at the start).
constinit std::atomic<std::uint64_t> g_terminal[16] = {6};

// readv's iovecs (a[1], a[2] of them), filled up to the result.
int iovec_bytes(const Args& a, long r, OutBuf* o) {
  const auto* iov = reinterpret_cast<const iovec*>(a.a[1]);
  int n = 0;
  std::size_t left = r > 0 ? static_cast<std::size_t>(r) : 0;
  for (std::uint64_t i = 0; i < a.a[2] && left > 0 && n < kMaxOutBufs; ++i) {
    const std::size_t take = iov[i].iov_len < left ? iov[i].iov_len : left;
    o[n++] = {iov[i].iov_base, take};
    left -= take;
  }
  return n;
}

std::uint64_t iovec_digest(const iovec* iov, int count) {
  std::uint64_t d = 0xcbf29ce484222325ull;
  for (int i = 0; i < count; ++i) d = digest(d, iov[i].iov_base, iov[i].iov_len);
  return d;
}

long path_call(std::uint64_t nr, const char* path, Args& a, std::size_t n_args) {
  ReplayThread* me = self();
  return logged(me, nr, false, false, a, n_args, nullptr, path, std::strlen(path));
}

}  // namespace

bool ariadne::replay::is_terminal(long fd) {
  if (fd < 0 || fd >= 1024) return false;
  return (g_terminal[fd / 64].load(std::memory_order_relaxed) >> (fd % 64) & 1) != 0;
}

void ariadne::replay::set_terminal(long fd, bool terminal) {
  if (fd < 0 || fd >= 1024) return;
  const std::uint64_t bit = std::uint64_t{1} << (fd % 64);
  if (terminal) {
    g_terminal[fd / 64].fetch_or(bit, std::memory_order_relaxed);
  } else {
    g_terminal[fd / 64].fetch_and(~bit, std::memory_order_relaxed);
  }
}

// ---------------------------------------------------------------- the fd table

ARIADNE_REPLAY_EXPORT int close(int fd) {
  static const auto real = next<decltype(&::close)>("close");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd);
  Args a{[](const Args& x) -> long { return real(static_cast<int>(x.a[0])); },
         {static_cast<std::uint64_t>(fd)}};
  const long r = logged(me, SYS_close, false, true, a, 1, nullptr);
  if (r == 0) set_terminal(fd, false);
  return static_cast<int>(r);
}

ARIADNE_REPLAY_EXPORT int dup(int fd) {
  static const auto real = next<decltype(&::dup)>("dup");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd);
  Args a{[](const Args& x) -> long { return real(static_cast<int>(x.a[0])); },
         {static_cast<std::uint64_t>(fd)}};
  const long r = logged(me, SYS_dup, false, true, a, 1, nullptr);
  set_terminal(r, is_terminal(fd));
  return static_cast<int>(r);
}

ARIADNE_REPLAY_EXPORT int dup3(int fd, int to, int flags) {
  static const auto real = next<decltype(&::dup3)>("dup3");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, to, flags);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), static_cast<int>(x.a[1]), static_cast<int>(x.a[2]));
         },
         {static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(to), static_cast<std::uint64_t>(flags)}};
  const long r = logged(me, SYS_dup3, false, true, a, 3, nullptr);
  if (r >= 0) set_terminal(r, is_terminal(fd));
  return static_cast<int>(r);
}

// dup2 is not dup3: the same fd twice is allowed (a no-op).
ARIADNE_REPLAY_EXPORT int dup2(int fd, int to) {
  static const auto real = next<decltype(&::dup2)>("dup2");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, to);
  Args a{[](const Args& x) -> long { return real(static_cast<int>(x.a[0]), static_cast<int>(x.a[1])); },
         {static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(to)}};
  const long r = logged(me, kCallDup2, false, true, a, 2, nullptr);
  if (r >= 0 && fd != to) set_terminal(r, is_terminal(fd));
  return static_cast<int>(r);
}

ARIADNE_REPLAY_EXPORT int fcntl(int fd, int cmd, ...) {
  static const auto real = next<int (*)(int, int, ...)>("fcntl");
  va_list ap;
  va_start(ap, cmd);
  const long arg = va_arg(ap, long);
  va_end(ap);
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, cmd, arg);
  Args a{
      [](const Args& x) -> long { return real(static_cast<int>(x.a[0]), static_cast<int>(x.a[1]), x.a[2]); },
      {static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(cmd), static_cast<std::uint64_t>(arg)}};
  // Locks and the struct flock forms are not modelled yet: made in both runs.
  const long r = logged(me, SYS_fcntl, false, true, a, 3, nullptr);
  if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && r >= 0) set_terminal(r, is_terminal(fd));
  return static_cast<int>(r);
}

// ---------------------------------------------------------------- reading and writing at offsets, vectors

ARIADNE_REPLAY_EXPORT ssize_t pread(int fd, void* buf, size_t n, off_t off) {
  static const auto real = next<decltype(&::pread)>("pread");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, buf, n, off);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<void*>(x.a[1]), x.a[2],
                       static_cast<off_t>(x.a[3]));
         },
         {static_cast<std::uint64_t>(fd), word(buf), n, static_cast<std::uint64_t>(off)}};
  return logged(me, SYS_pread64, false, false, a, 4, result_bytes);
}

ARIADNE_REPLAY_EXPORT ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  static const auto real = next<decltype(&::pwrite)>("pwrite");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, buf, n, off);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const void*>(x.a[1]), x.a[2],
                       static_cast<off_t>(x.a[3]));
         },
         {static_cast<std::uint64_t>(fd), word(buf), n, static_cast<std::uint64_t>(off)}};
  return logged(me, SYS_pwrite64, false, false, a, 4, nullptr, buf, n);
}

ARIADNE_REPLAY_EXPORT ssize_t pwrite64(int fd, const void* buf, size_t n, off_t off) {
  return pwrite(fd, buf, n, off);
}

ARIADNE_REPLAY_EXPORT ssize_t readv(int fd, const iovec* iov, int count) {
  static const auto real = next<decltype(&::readv)>("readv");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, iov, count);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const iovec*>(x.a[1]),
                       static_cast<int>(x.a[2]));
         },
         {static_cast<std::uint64_t>(fd), word(iov), static_cast<std::uint64_t>(count)}};
  return logged(me, SYS_readv, true, false, a, 3, iovec_bytes);
}

ARIADNE_REPLAY_EXPORT ssize_t writev(int fd, const iovec* iov, int count) {
  static const auto real = next<decltype(&::writev)>("writev");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, iov, count);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const iovec*>(x.a[1]),
                       static_cast<int>(x.a[2]));
         },
         {static_cast<std::uint64_t>(fd), word(iov), static_cast<std::uint64_t>(count)}};
  const std::uint64_t d = iovec_digest(iov, count);
  const bool terminal = is_terminal(fd);
  return logged(me, SYS_writev, !terminal, terminal, a, 3, nullptr, &d, sizeof d);
}

// ---------------------------------------------------------------- the file system

ARIADNE_REPLAY_EXPORT int rmdir(const char* path) {
  static const auto real = next<decltype(&::rmdir)>("rmdir");
  if (self() == nullptr) return real(path);
  Args a{[](const Args& x) -> long { return real(reinterpret_cast<const char*>(x.a[0])); }, {word(path)}};
  return static_cast<int>(path_call(kCallRmdir, path, a, 0));
}

ARIADNE_REPLAY_EXPORT int mkdir(const char* path, mode_t mode) {
  static const auto real = next<decltype(&::mkdir)>("mkdir");
  if (self() == nullptr) return real(path, mode);
  Args a{[](const Args& x) -> long {
           return real(reinterpret_cast<const char*>(x.a[0]), static_cast<mode_t>(x.a[1]));
         },
         {word(path), mode}};
  return static_cast<int>(path_call(kCallMkdir, path, a, 0));
}

ARIADNE_REPLAY_EXPORT int rename(const char* from, const char* to) {
  static const auto real = next<decltype(&::rename)>("rename");
  if (self() == nullptr) return real(from, to);
  Args a{[](const Args& x) -> long {
           return real(reinterpret_cast<const char*>(x.a[0]), reinterpret_cast<const char*>(x.a[1]));
         },
         {word(from), word(to)}};
  return static_cast<int>(path_call(kCallRename, from, a, 0));
}

ARIADNE_REPLAY_EXPORT int ftruncate(int fd, off_t length) {
  static const auto real = next<decltype(&::ftruncate)>("ftruncate");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, length);
  Args a{[](const Args& x) -> long { return real(static_cast<int>(x.a[0]), static_cast<off_t>(x.a[1])); },
         {static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(length)}};
  return static_cast<int>(logged(me, SYS_ftruncate, false, false, a, 2, nullptr));
}

ARIADNE_REPLAY_EXPORT int fsync(int fd) {
  static const auto real = next<decltype(&::fsync)>("fsync");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd);
  Args a{[](const Args& x) -> long { return real(static_cast<int>(x.a[0])); },
         {static_cast<std::uint64_t>(fd)}};
  return static_cast<int>(logged(me, SYS_fsync, true, false, a, 1, nullptr));
}
