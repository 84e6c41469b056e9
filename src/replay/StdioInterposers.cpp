// Streams the program reads through stdio, as a replayable run sees them.
// glibc's FILE reads with its own internal read(), which no interposer sees,
// so `fgets(stdin)` or `fscanf` on an fopen'ed file would read the real input
// again in replay (docs/replay.md, "Streams"), and `fopen(path, "w")` in a
// directory replay only pretends to make would fail. Here stdin and every
// stream fopen or fdopen opens become cookie streams (fopencookie) whose
// reads, writes, seeks and close are the intercepted read, write, lseek and
// close: logged when recording, given back from the log in replay, like the
// program's own calls. fileno() of such a stream still names its fd.
// stdout and stderr keep glibc's own path: their bytes are the program's
// output, written in both runs and compared.
//
// The program's functions: no runtime/NoLibcSyscalls.hpp (see
// ThreadInterposers.cpp).
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "replay/Interposer.hpp"

using namespace ariadne::replay;

namespace {

// The cookie streams and their fds, so that fileno() answers: a slot is taken
// by a compare-and-swap, no lock (stream calls may come from any thread).
struct CookieSlot {
  std::atomic<FILE*> stream{nullptr};
  int fd = -1;
};
constinit CookieSlot g_cookies[256];

CookieSlot* slot_of(const FILE* f) noexcept {
  for (CookieSlot& s : g_cookies)
    if (s.stream.load(std::memory_order_acquire) == f) return &s;
  return nullptr;
}

int fd_of(void* cookie) noexcept { return static_cast<int>(reinterpret_cast<std::intptr_t>(cookie)); }

// Inside a stream's function the thread holds the FILE's lock, which glibc
// takes in the kernel: no chaos hand-off there (another thread of the
// program locking the same FILE would wait in the kernel with the baton).
struct InStream {
  ReplayThread* me = self();
  InStream() {
    if (me != nullptr) ++me->in_stream;
  }
  ~InStream() {
    if (me != nullptr) --me->in_stream;
  }
  InStream(const InStream&) = delete;
  InStream& operator=(const InStream&) = delete;
};

// The intercepted calls (ours, exported: SyscallInterposers.cpp and
// FdInterposers.cpp), so each is logged or replayed as the program's own.
ssize_t cookie_read(void* cookie, char* buf, size_t n) {
  const InStream in;
  const ssize_t r = ::read(fd_of(cookie), buf, n);
  return r < 0 ? -1 : r;
}

ssize_t cookie_write(void* cookie, const char* buf, size_t n) {
  const InStream in;
  size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(fd_of(cookie), buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += static_cast<size_t>(w);
  }
  return static_cast<ssize_t>(done);  // short: glibc marks the stream in error
}

int cookie_seek(void* cookie, off64_t* offset, int whence) {
  const InStream in;
  const off_t r = ::lseek(fd_of(cookie), static_cast<off_t>(*offset), whence);
  if (r < 0) return -1;
  *offset = r;
  return 0;
}

int cookie_close(void* cookie) {
  const InStream in;
  return ::close(fd_of(cookie));
}

// A stream over fd, or nullptr (fd left open) when there is no slot for
// fileno() or fopencookie fails. mode: "r", "w", "a", with "+" or not.
FILE* cookie_stream(int fd, const char* mode) noexcept {
  for (CookieSlot& s : g_cookies) {
    FILE* none = nullptr;
    // A placeholder claims the slot until the stream exists.
    if (!s.stream.compare_exchange_strong(none, reinterpret_cast<FILE*>(&s), std::memory_order_acq_rel))
      continue;
    const cookie_io_functions_t io{cookie_read, cookie_write, cookie_seek, cookie_close};
    FILE* f = fopencookie(reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)), mode, io);
    if (f == nullptr) {
      s.stream.store(nullptr, std::memory_order_release);
      return nullptr;
    }
    s.fd = fd;
    s.stream.store(f, std::memory_order_release);
    return f;
  }
  return nullptr;
}

// fopen's mode as open() flags and fopencookie's mode ("r", "w+"...); false
// for what this does not handle (",ccs=" and anything unknown), which goes
// to glibc as it is.
struct StreamMode {
  int flags = 0;
  char cookie_mode[3] = {};
};
bool parse_mode(const char* mode, StreamMode& out) noexcept {
  if (mode == nullptr) return false;
  int access = 0;
  switch (mode[0]) {
    case 'r':
      access = 0;
      break;
    case 'w':
      access = O_CREAT | O_TRUNC;
      break;
    case 'a':
      access = O_CREAT | O_APPEND;
      break;
    default:
      return false;
  }
  bool plus = false;
  for (const char* c = mode + 1; *c != '\0'; ++c) {
    if (*c == '+') {
      plus = true;
    } else if (*c == 'e') {
      access |= O_CLOEXEC;
    } else if (*c == 'x') {
      access |= O_EXCL;
    } else if (std::strchr("bcm", *c) == nullptr) {
      return false;
    }
  }
  out.flags = access | (plus ? O_RDWR : mode[0] == 'r' ? O_RDONLY : O_WRONLY);
  out.cookie_mode[0] = mode[0];
  out.cookie_mode[1] = plus ? '+' : '\0';
  return true;
}

}  // namespace

namespace ariadne::replay {
// At the start (Session.cpp), before main: stdin reads through the log too.
void replace_stdin() noexcept {
  FILE* in = cookie_stream(0, "r");
  if (in != nullptr) stdin = in;
}
}  // namespace ariadne::replay

ARIADNE_REPLAY_EXPORT FILE* fopen(const char* path, const char* mode) {
  REAL(fopen);
  StreamMode m;
  if (self() == nullptr || !parse_mode(mode, m)) return real(path, mode);
  const int fd = ::open(path, m.flags, 0666);
  if (fd < 0) return nullptr;
  FILE* f = cookie_stream(fd, m.cookie_mode);
  if (f == nullptr) {
    ::close(fd);
    return real(path, mode);
  }
  return f;
}

ARIADNE_REPLAY_EXPORT FILE* fopen64(const char* path, const char* mode) { return fopen(path, mode); }

ARIADNE_REPLAY_EXPORT FILE* fdopen(int fd, const char* mode) {
  REAL(fdopen);
  StreamMode m;
  if (self() == nullptr || !parse_mode(mode, m)) return real(fd, mode);
  FILE* f = cookie_stream(fd, m.cookie_mode);
  return f != nullptr ? f : real(fd, mode);
}

// fileno and fileno_unlocked: a cookie stream's fd, else libc's answer.
static int fd_of(FILE* f, int (*real)(FILE*)) {
  const CookieSlot* s = f != nullptr ? slot_of(f) : nullptr;
  return s != nullptr ? s->fd : real(f);
}

ARIADNE_REPLAY_EXPORT int fileno(FILE* f) {
  REAL(fileno);
  return fd_of(f, real);
}

ARIADNE_REPLAY_EXPORT int fileno_unlocked(FILE* f) {
  REAL(fileno_unlocked);
  return fd_of(f, real);
}

ARIADNE_REPLAY_EXPORT int fclose(FILE* f) {
  REAL(fclose);
  CookieSlot* s = f != nullptr ? slot_of(f) : nullptr;
  const int r = real(f);
  if (s != nullptr) {
    s->fd = -1;
    s->stream.store(nullptr, std::memory_order_release);
  }
  return r;
}
