// The system calls a replayable run intercepts at the libc boundary (this
// first version: calls made through libc's exported functions; docs/replay.md
// says what is not caught yet). Each is one intercept(): record runs it and
// logs the result and the memory it wrote; replay hands them back.
//
// File descriptors: calls that make one (open, pipe, socket, accept) are not
// made again in replay, but the number they returned is taken by a stand-in
// (/dev/null), so the fd table of the replayed process is the recorded one
// and what the program opens with stdio or closes gets the same numbers.
//
// The program's functions: no runtime/NoLibcSyscalls.hpp here (see
// ThreadInterposers.cpp).
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <ctime>

#include "arch/RawSyscall.hpp"
#include "replay/Chaos.hpp"
#include "replay/Interposer.hpp"
#include "replay/StandIn.hpp"

using namespace ariadne::replay;

// The fd a call made, or stand-ins for it in replay (see above). Raw: the
// stand-in is the runtime's doing, made in replay only, and the program's
// trapped calls (SyscallRouting.cpp) must not see it.
void ariadne::replay::stand_in(long fd) {
  if (fd < 0 || mode() != Mode::replay) return;
  const long null_fd = ariadne::raw_syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return;
  if (null_fd != fd) {
    ariadne::raw_syscall(SYS_dup3, null_fd, fd, 0);
    ariadne::raw_syscall(SYS_close, null_fd);
  }
}

// ---------------------------------------------------------------- input and output

ARIADNE_REPLAY_EXPORT ssize_t read(int fd, void* buf, size_t n) {
  REAL(read);
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, buf, n);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<void*>(x.a[1]), x.a[2]);
         },
         {static_cast<std::uint64_t>(fd), word(buf), n},
         result_bytes};
  return call(me, SYS_read, digest_words({SYS_read, a.a[0], a.a[1], a.a[2]}), true, false, a);
}

ARIADNE_REPLAY_EXPORT ssize_t write(int fd, const void* buf, size_t n) {
  REAL(write);
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, buf, n);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const void*>(x.a[1]), x.a[2]);
         },
         {static_cast<std::uint64_t>(fd), word(buf), n},
         nullptr};
  // The bytes are part of the digest: output that differs is a divergence.
  const std::uint64_t d = digest(digest_words({SYS_write, a.a[0], n}), buf, n);
  return call(me, SYS_write, d, !is_terminal(fd), is_terminal(fd), a);
}

ARIADNE_REPLAY_EXPORT ssize_t pread64(int fd, void* buf, size_t n, off_t off) {
  REAL(pread64);
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, buf, n, off);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<void*>(x.a[1]), x.a[2],
                       static_cast<off_t>(x.a[3]));
         },
         {static_cast<std::uint64_t>(fd), word(buf), n, static_cast<std::uint64_t>(off)},
         result_bytes};
  return call(me, SYS_pread64, digest_words({SYS_pread64, a.a[0], a.a[1], a.a[2], a.a[3]}), false, false, a);
}

ARIADNE_REPLAY_EXPORT int open(const char* path, int flags, ...) {
  REAL(open);
  mode_t m = 0;
  if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) {
    va_list ap;
    va_start(ap, flags);
    m = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  ReplayThread* me = self();
  if (me == nullptr) return real(path, flags, m);
  Args a{[](const Args& x) -> long {
           return real(reinterpret_cast<const char*>(x.a[0]), static_cast<int>(x.a[1]),
                       static_cast<mode_t>(x.a[2]));
         },
         {word(path), static_cast<std::uint64_t>(flags), m},
         nullptr};
  const long r =
      call(me, SYS_openat, digest(digest_words({SYS_openat, a.a[1], a.a[2]}), path, std::strlen(path)), false,
           false, a);
  stand_in(r);
  return static_cast<int>(r);
}

ARIADNE_REPLAY_EXPORT int open64(const char* path, int flags, ...) {
  mode_t m = 0;
  if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) {
    va_list ap;
    va_start(ap, flags);
    m = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  return open(path, flags, m);
}

ARIADNE_REPLAY_EXPORT int openat(int dir, const char* path, int flags, ...) {
  REAL(openat);
  mode_t m = 0;
  if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) {
    va_list ap;
    va_start(ap, flags);
    m = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  ReplayThread* me = self();
  if (me == nullptr) return real(dir, path, flags, m);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const char*>(x.a[1]),
                       static_cast<int>(x.a[2]), static_cast<mode_t>(x.a[3]));
         },
         {static_cast<std::uint64_t>(dir), word(path), static_cast<std::uint64_t>(flags), m},
         nullptr};
  const long r = call(me, SYS_openat,
                      digest(digest_words({SYS_openat, a.a[0], a.a[2], a.a[3]}), path, std::strlen(path)),
                      false, false, a);
  stand_in(r);
  return static_cast<int>(r);
}

ARIADNE_REPLAY_EXPORT int pipe2(int fds[2], int flags) {
  REAL(pipe2);
  ReplayThread* me = self();
  if (me == nullptr) return real(fds, flags);
  Args a{[](const Args& x) -> long { return real(reinterpret_cast<int*>(x.a[0]), static_cast<int>(x.a[1])); },
         {word(fds), static_cast<std::uint64_t>(flags)},
         [](const Args& x, long r, OutBuf* o) -> int {
           if (r != 0) return 0;
           o[0] = {reinterpret_cast<void*>(x.a[0]), 2 * sizeof(int)};
           return 1;
         }};
  const long r = call(me, SYS_pipe2, digest_words({SYS_pipe2, a.a[0], a.a[1]}), false, false, a);
  if (r == 0) {
    stand_in(fds[0]);
    stand_in(fds[1]);
  }
  return static_cast<int>(r);
}

ARIADNE_REPLAY_EXPORT int pipe(int fds[2]) { return pipe2(fds, 0); }

ARIADNE_REPLAY_EXPORT int fstat(int fd, struct stat* st) {
  REAL(fstat);
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, st);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<struct stat*>(x.a[1]));
         },
         {static_cast<std::uint64_t>(fd), word(st)},
         [](const Args& x, long r, OutBuf* o) -> int {
           if (r != 0) return 0;
           o[0] = {reinterpret_cast<void*>(x.a[1]), sizeof(struct stat)};
           return 1;
         }};
  return static_cast<int>(call(me, SYS_fstat, digest_words({SYS_fstat, a.a[0], a.a[1]}), false, false, a));
}

ARIADNE_REPLAY_EXPORT int stat(const char* path, struct stat* st) {
  REAL(stat);
  ReplayThread* me = self();
  if (me == nullptr) return real(path, st);
  Args a{[](const Args& x) -> long {
           return real(reinterpret_cast<const char*>(x.a[0]), reinterpret_cast<struct stat*>(x.a[1]));
         },
         {word(path), word(st)},
         [](const Args& x, long r, OutBuf* o) -> int {
           if (r != 0) return 0;
           o[0] = {reinterpret_cast<void*>(x.a[1]), sizeof(struct stat)};
           return 1;
         }};
  return static_cast<int>(call(me, SYS_newfstatat,
                               digest(digest_words({SYS_newfstatat, a.a[1]}), path, std::strlen(path)), false,
                               false, a));
}

ARIADNE_REPLAY_EXPORT off_t lseek(int fd, off_t off, int whence) {
  REAL(lseek);
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, off, whence);
  Args a{
      [](const Args& x) -> long {
        return real(static_cast<int>(x.a[0]), static_cast<off_t>(x.a[1]), static_cast<int>(x.a[2]));
      },
      {static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(off), static_cast<std::uint64_t>(whence)},
      nullptr};
  return call(me, SYS_lseek, digest_words({SYS_lseek, a.a[0], a.a[1], a.a[2]}), false, false, a);
}

ARIADNE_REPLAY_EXPORT int unlink(const char* path) {
  REAL(unlink);
  ReplayThread* me = self();
  if (me == nullptr) return real(path);
  Args a{[](const Args& x) -> long { return real(reinterpret_cast<const char*>(x.a[0])); },
         {word(path)},
         nullptr};
  return static_cast<int>(
      call(me, SYS_unlinkat, digest(digest_words({SYS_unlinkat}), path, std::strlen(path)), false, false, a));
}

// ---------------------------------------------------------------- randomness, ids (the clocks:
// ClockInterposers.cpp)

// The processor count differs between machines, and chaos mode tells the
// program one of its own (Chaos.hpp): logged, replayed from the log.
namespace {
long processors(std::uint64_t nr, long (*ask)(const Args&), std::uint64_t what) {
  ReplayThread* me = self();
  Args a{[](const Args& x) -> long {
           const long pretend = chaos::pretend_cores();
           return pretend != 0 ? pretend : reinterpret_cast<long (*)(const Args&)>(x.a[0])(x);
         },
         {reinterpret_cast<std::uint64_t>(ask), what},
         nullptr};
  if (me == nullptr) return ask(a);
  return call(me, nr, digest_words({nr, what}), false, false, a);
}
}  // namespace

ARIADNE_REPLAY_EXPORT int get_nprocs() {
  REAL(get_nprocs);
  return static_cast<int>(processors(
      kCallGetNprocs, [](const Args&) -> long { return real(); }, 0));
}

ARIADNE_REPLAY_EXPORT int get_nprocs_conf() {
  REAL(get_nprocs_conf);
  return static_cast<int>(processors(
      kCallGetNprocsConf, [](const Args&) -> long { return real(); }, 0));
}

ARIADNE_REPLAY_EXPORT long sysconf(int name) {
  REAL(sysconf);
  if ((name != _SC_NPROCESSORS_ONLN && name != _SC_NPROCESSORS_CONF) || self() == nullptr) return real(name);
  return processors(
      kCallSysconf, [](const Args& x) -> long { return real(static_cast<int>(x.a[1])); },
      static_cast<std::uint64_t>(name));
}

ARIADNE_REPLAY_EXPORT ssize_t getrandom(void* buf, size_t n, unsigned flags) {
  REAL(getrandom);
  ReplayThread* me = self();
  if (me == nullptr) return real(buf, n, flags);
  Args a{[](const Args& x) -> long {
           return real(reinterpret_cast<void*>(x.a[1]), x.a[2], static_cast<unsigned>(x.a[3]));
         },
         {0, word(buf), n, flags},
         result_bytes};
  return call(me, SYS_getrandom, digest_words({SYS_getrandom, a.a[1], a.a[2], a.a[3]}), false, false, a);
}

namespace {
// getpid, getppid, gettid: no arguments, an id that differs between runs.
pid_t id_call(std::uint64_t nr, pid_t (*real)()) {
  ReplayThread* me = self();
  if (me == nullptr) return real();
  Args a{[](const Args& x) -> long { return reinterpret_cast<pid_t (*)()>(x.a[0])(); },
         {reinterpret_cast<std::uint64_t>(real)},
         nullptr};
  return static_cast<pid_t>(call(me, nr, digest_words({nr}), false, false, a));
}
}  // namespace

ARIADNE_REPLAY_EXPORT pid_t getpid() {
  REAL(getpid);
  return id_call(SYS_getpid, real);
}

ARIADNE_REPLAY_EXPORT pid_t getppid() {
  REAL(getppid);
  return id_call(SYS_getppid, real);
}

ARIADNE_REPLAY_EXPORT pid_t gettid() {
  REAL(gettid);
  return id_call(SYS_gettid, real);
}

// ---------------------------------------------------------------- sleeping

ARIADNE_REPLAY_EXPORT int nanosleep(const struct timespec* req, struct timespec* rem) {
  REAL(nanosleep);
  ReplayThread* me = self();
  if (me == nullptr) return real(req, rem);
  Args a{[](const Args& x) -> long {
           return real(reinterpret_cast<const struct timespec*>(x.a[0]),
                       reinterpret_cast<struct timespec*>(x.a[1]));
         },
         {word(req), word(rem)},
         nullptr};
  return static_cast<int>(
      call(me, SYS_nanosleep, digest(digest_words({SYS_nanosleep}), req, sizeof *req), true, false, a));
}

ARIADNE_REPLAY_EXPORT int usleep(useconds_t us) {
  if (self() == nullptr) {
    REAL(usleep);
    return real(us);
  }
  const struct timespec req { static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000 };
  return nanosleep(&req, nullptr);
}

ARIADNE_REPLAY_EXPORT unsigned sleep(unsigned s) {
  if (self() == nullptr) {
    REAL(sleep);
    return real(s);
  }
  const struct timespec req { static_cast<time_t>(s), 0 };
  return nanosleep(&req, nullptr) == 0 ? 0 : s;
}

// ---------------------------------------------------------------- temporary names

// Their names come from randomness inside libc that no interposer sees:
// made when recording, the names handed back in replay.
namespace {
int template_out(const Args& x, long r, OutBuf* o) {
  if (r == 0 || r == -1) return 0;
  o[0] = {reinterpret_cast<void*>(x.a[0]), static_cast<std::size_t>(x.a[1])};
  return 1;
}
}  // namespace

ARIADNE_REPLAY_EXPORT char* mkdtemp(char* tmpl) {
  REAL(mkdtemp);
  ReplayThread* me = self();
  if (me == nullptr) return real(tmpl);
  Args a{[](const Args& x) -> long { return reinterpret_cast<long>(real(reinterpret_cast<char*>(x.a[0]))); },
         {word(tmpl), std::strlen(tmpl) + 1},
         template_out};
  return reinterpret_cast<char*>(
      call(me, kCallMkdtemp, digest(digest_words({kCallMkdtemp}), tmpl, a.a[1]), false, false, a));
}

ARIADNE_REPLAY_EXPORT int mkstemp(char* tmpl) {
  REAL(mkstemp);
  ReplayThread* me = self();
  if (me == nullptr) return real(tmpl);
  Args a{[](const Args& x) -> long { return real(reinterpret_cast<char*>(x.a[0])); },
         {word(tmpl), std::strlen(tmpl) + 1},
         template_out};
  const long fd = call(me, kCallMkstemp, digest(digest_words({kCallMkstemp}), tmpl, a.a[1]), false, false, a);
  stand_in(fd);
  return static_cast<int>(fd);
}
