#include "replay/ReplayLog.hpp"

#include <cstring>

#include "arch/RawSyscall.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::replay {

namespace {

constinit int g_fd = -1;
constinit const std::uint8_t* g_bytes = nullptr;
constinit std::size_t g_size = 0;
constinit Cursor g_cursor{nullptr, 0};
constinit std::uint64_t g_consumed = 0;
constinit FileHeader g_header{};

// The log's fd sits far above the program's, at the same number in record
// and replay: the program's own fds (and what it prints of them) must not
// depend on the runtime's.
constexpr int kLogFdFloor = 1000;
int move_high(int fd) noexcept {
  const int high = sys_fcntl(fd, F_DUPFD_CLOEXEC, kLogFdFloor);
  if (high < 0) return fd;
  sys_close(fd);
  return high;
}

void say(const char* what, const char* path, int err) noexcept {
  sys_print(2, "ariadne-replay: %s %s: error %d\n", what, path, err);
}

// Every byte of the iovecs, retrying short writes: the log must not lose
// the middle of a record.
bool write_all(iovec* iov, int count) noexcept {
  while (count > 0) {
    const long w = sys_writev(g_fd, iov, count);
    if (w == -EINTR) continue;
    if (w <= 0) return false;
    std::size_t left = static_cast<std::size_t>(w);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

}  // namespace

bool open_log_for_writing(const char* path, std::uint64_t quantum) noexcept {
  g_fd = sys_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_APPEND, 0600);
  if (g_fd < 0) {
    say("cannot create", path, -g_fd);
    return false;
  }
  g_fd = move_high(g_fd);
  g_header = make_header(quantum, static_cast<std::uint32_t>(sys_getpid()));
  if (!sys_write_all(g_fd, &g_header, sizeof g_header)) {
    say("cannot write", path, 0);
    return false;
  }
  return true;
}

void append_event(const EventHead& head_in, const OutBuf* outs, int n_outs) noexcept {
  EventHead head = head_in;
  std::uint64_t desc[kMaxOutBufs][2];
  std::uint32_t data = 0;
  for (int i = 0; i < n_outs; ++i) {
    desc[i][0] = reinterpret_cast<std::uint64_t>(outs[i].p);
    desc[i][1] = outs[i].n;
    data += static_cast<std::uint32_t>(sizeof desc[i] + outs[i].n);
  }
  head.data_len = data;
  const std::uint32_t len = static_cast<std::uint32_t>(sizeof head + data);
  std::uint32_t crc = crc32c(&head, sizeof head);
  for (int i = 0; i < n_outs; ++i) {
    crc = crc32c(desc[i], sizeof desc[i], crc);
    crc = crc32c(outs[i].p, outs[i].n, crc);
  }
  std::uint32_t frame[2] = {len, crc};
  iovec iov[2 + 2 * kMaxOutBufs];
  int n = 0;
  iov[n++] = {frame, sizeof frame};
  iov[n++] = {&head, sizeof head};
  for (int i = 0; i < n_outs; ++i) {
    iov[n++] = {desc[i], sizeof desc[i]};
    iov[n++] = {outs[i].p, outs[i].n};
  }
  if (!write_all(iov, n)) {
    sys_print(2, "ariadne-replay: cannot write the replay log: the recording stops here\n");
    sys_exit_group(125);
  }
}

bool open_log_for_reading(const char* path) noexcept {
  int fd = sys_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    say("cannot open", path, -fd);
    return false;
  }
  fd = move_high(fd);  // kept open, as the writer's is when recording
  struct stat st {};
  if (sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    say("not a regular file:", path, 0);
    return false;
  }
  g_size = static_cast<std::size_t>(st.st_size);
  if (g_size > 0) {
    void* m = sys_mmap(nullptr, g_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      say("cannot map", path, 0);
      return false;
    }
    g_bytes = static_cast<const std::uint8_t*>(m);
  }
  g_fd = fd;
  if (const char* bad = check_header(g_bytes, g_size); bad != nullptr) {
    sys_print(2, "ariadne-replay: %s: offset 0: %s\n", path, bad);
    return false;
  }
  std::memcpy(&g_header, g_bytes, sizeof g_header);
  g_cursor = Cursor(g_bytes, g_size);
  return true;
}

std::uint64_t logged_quantum() noexcept { return g_header.quantum; }
std::uint32_t logged_pid() noexcept { return g_header.pid; }

bool peek_event(EventView& out) noexcept { return g_cursor.peek(out) == Cursor::Status::event; }

void advance_event(const EventView& ev) noexcept {
  g_cursor.advance(ev);
  ++g_consumed;
}

std::uint64_t events_consumed() noexcept { return g_consumed; }

const char* log_end_reason() noexcept {
  EventView ev;
  const Cursor::Status s = g_cursor.peek(ev);
  return s == Cursor::Status::end || s == Cursor::Status::event ? "" : g_cursor.why();
}

std::size_t log_offset() noexcept { return g_cursor.offset(); }

}  // namespace ariadne::replay
