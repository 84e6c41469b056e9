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
struct stat g_pipe {};
std::atomic<bool> g_stopped{false};

}  // namespace

bool create_link(LinkEnds& ends, bool target_writes) noexcept {
  int p[2];
  if (sys_pipe2(p, O_CLOEXEC | (target_writes ? O_NONBLOCK : 0)) != 0) return false;
  const int target = target_writes ? p[1] : p[0];
  const int moved = sys_fcntl(target, F_DUPFD, kTargetEndMin);  // without FD_CLOEXEC
  sys_close(target);
  if (moved < 0) {
    sys_close(target_writes ? p[0] : p[1]);
    return false;
  }
  ends.target_end = moved;
  ends.recorder_end = target_writes ? p[0] : p[1];
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

int pipe_from_environment(const char* name, struct stat& st) noexcept {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return -1;
  char* end = nullptr;
  const long fd = std::strtol(v, &end, 10);
  if (*end != '\0' || fd < 0 || fd > 0x7fffffff) return -1;
  return sys_fstat(static_cast<int>(fd), &st) == 0 && S_ISFIFO(st.st_mode) ? static_cast<int>(fd) : -1;
}

bool still_the_pipe(int fd, const struct stat& st) noexcept {
  struct stat now {};
  return sys_fstat(fd, &now) == 0 && S_ISFIFO(now.st_mode) && now.st_dev == st.st_dev &&
         now.st_ino == st.st_ino;
}

void open_link_from_environment() noexcept {
  if (const int fd = pipe_from_environment(kLinkVariable, g_pipe); fd >= 0)
    g_link.store(fd, std::memory_order_release);
}

bool recording_stopped() noexcept {
  if (g_stopped.load(std::memory_order_acquire)) return true;
  const int fd = g_link.load(std::memory_order_acquire);
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  const int r = sys_poll_now(&p, 1);
  bool stop = false;
  if (r == 1) {
    if ((p.revents & POLLNVAL) != 0 || !still_the_pipe(fd, g_pipe))
      g_link.store(-1, std::memory_order_release);  // the program closed or reused it
    else
      stop = (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  }
  if (stop) g_stopped.store(true, std::memory_order_release);
  return stop;
}

}  // namespace ariadne::record
