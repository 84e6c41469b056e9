#include "record/RecorderLink.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include "arch/RawSyscall.hpp"
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below

namespace ariadne::record {

namespace {

// Where the target's end goes: above the descriptors a program commonly
// expects to get from open() or to dup2() onto.
constexpr int kTargetEndMin = 100;

std::atomic<int> g_link{-1};
dev_t g_dev = 0;
ino_t g_ino = 0;
std::atomic<bool> g_stopped{false};

// The pipe we were given, not a descriptor the program reused.
bool still_our_pipe(int fd) noexcept {
  struct stat st {};
  return sys_fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && st.st_dev == g_dev && st.st_ino == g_ino;
}

}  // namespace

bool create_recorder_link(LinkEnds& ends) noexcept {
  int p[2];
  if (sys_pipe2(p, O_CLOEXEC) != 0) return false;
  const int moved = sys_fcntl(p[0], F_DUPFD, kTargetEndMin);  // without FD_CLOEXEC
  sys_close(p[0]);
  if (moved < 0) {
    sys_close(p[1]);
    return false;
  }
  ends.target_end = moved;
  ends.recorder_end = p[1];
  return true;
}

bool request_stop(int recorder_end) noexcept {
  const char byte = 's';
  long n;
  do {
    n = sys_write(recorder_end, &byte, 1);
  } while (n == -EINTR);
  return n == 1;
}

void open_link_from_environment() noexcept {
  const char* v = std::getenv(kLinkVariable);
  long fd = -1;
  if (v != nullptr && *v != '\0') {
    char* end = nullptr;
    fd = std::strtol(v, &end, 10);
    if (*end != '\0') fd = -1;
  }
  struct stat st {};
  if (fd >= 0 && fd <= 0x7fffffff && sys_fstat(static_cast<int>(fd), &st) == 0 && S_ISFIFO(st.st_mode)) {
    g_dev = st.st_dev;
    g_ino = st.st_ino;
    g_link.store(static_cast<int>(fd), std::memory_order_release);
  }
}

bool recording_stopped() noexcept {
  if (g_stopped.load(std::memory_order_acquire)) return true;
  const int fd = g_link.load(std::memory_order_acquire);
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  const int r = sys_poll_now(&p, 1);
  bool stop = false;
  if (r == 1) {
    if ((p.revents & POLLNVAL) != 0 || !still_our_pipe(fd))
      g_link.store(-1, std::memory_order_release);  // the program closed or reused it
    else
      stop = (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  }
  if (stop) g_stopped.store(true, std::memory_order_release);
  return stop;
}

}  // namespace ariadne::record
