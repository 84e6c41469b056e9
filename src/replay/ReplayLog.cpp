#include "replay/ReplayLog.hpp"

#include <cstdlib>
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

// The log lives in memory mapped from its file (MAP_SHARED): appending an
// event is a copy, not a system call, and what is copied is in the page
// cache the moment it is written, so a SIGKILLed target loses nothing. The
// file grows a step at a time and ends in zeros, which readers take as the
// end; `record --replayable` cuts it after the last event once the program
// has ended (not the program itself: its atexit handlers may still log). The mapping sits at a fixed address
// far from the program's (in record and replay alike), so that it moves none of the program's own mappings:
// their addresses are part of what replay must reproduce.
// The region is reserved (PROT_NONE) up to kLogReserve, a piece at a time:
// natively all of it at once, which costs nothing; under qemu-user 1 GiB at a
// time, since QEMU keeps a descriptor for every guest page of a mapping
// (reserving 64 GiB took 0.66 s and 400 MB of QEMU's heap at every start of a
// recording: measured, qemu-aarch64 7.2). A piece after the first must land
// right after the last (the hint is checked: QEMU ignores MAP_FIXED_NOREPLACE).
constexpr std::uintptr_t kLogRegion = 0x200000000000;
constexpr std::size_t kLogReserve = std::size_t{64} << 30;
constexpr std::size_t kLogReservePieceQemu = std::size_t{1} << 30;
constexpr std::size_t kLogStep = std::size_t{1} << 20;
constinit std::uint8_t* g_base = nullptr;
constinit std::size_t g_piece = kLogReserve;
constinit std::size_t g_reserved = 0;
constinit std::size_t g_mapped = 0;
constinit std::size_t g_used = 0;

bool reserve_more() noexcept {
  if (g_reserved + g_piece > kLogReserve) return false;
  void* hint = g_base != nullptr ? g_base + g_reserved : reinterpret_cast<void*>(kLogRegion);
  void* m = sys_mmap(hint, g_piece, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return false;
  if (g_base != nullptr && m != hint) {
    sys_munmap(m, g_piece);
    return false;
  }
  if (g_base == nullptr) g_base = static_cast<std::uint8_t*>(m);
  g_reserved += g_piece;
  return true;
}

bool map_more(std::size_t need) noexcept {
  std::size_t want = g_mapped;
  while (want < need) want += kLogStep;
  while (want > g_reserved)
    if (!reserve_more()) return false;
  if (sys_ftruncate(g_fd, static_cast<off_t>(want)) != 0) return false;
  void* m = sys_mmap(g_base + g_mapped, want - g_mapped, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, g_fd,
                     static_cast<off_t>(g_mapped));
  if (m == MAP_FAILED) return false;
  g_mapped = want;
  return true;
}

}  // namespace

bool open_log_for_writing(const char* path, std::uint64_t quantum) noexcept {
  g_fd = sys_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (g_fd < 0) {
    say("cannot create", path, -g_fd);
    return false;
  }
  g_fd = move_high(g_fd);
  const char* qemu = std::getenv("ARIADNE_UNDER_QEMU");  // set by the launcher (src/launch)
  if (qemu != nullptr && qemu[0] == '1') g_piece = kLogReservePieceQemu;
  if (!reserve_more()) {
    say("cannot reserve memory for", path, 0);
    return false;
  }
  g_header = make_header(quantum, static_cast<std::uint32_t>(sys_getpid()));
  if (!map_more(sizeof g_header)) {
    say("cannot grow", path, 0);
    return false;
  }
  std::memcpy(g_base, &g_header, sizeof g_header);
  g_used = sizeof g_header;
  return true;
}

void append_event(const EventHead& head_in, const OutBuf* outs, int n_outs) noexcept {
  EventHead head = head_in;
  std::uint64_t desc[kMaxOutBufs][2];
  std::uint64_t total = 0;
  for (int i = 0; i < n_outs; ++i) {
    desc[i][0] = reinterpret_cast<std::uint64_t>(outs[i].p);
    desc[i][1] = outs[i].n;
    total += sizeof desc[i] + outs[i].n;
  }
  // What the reader accepts (Cursor): a larger record would be logged and
  // then refused as damage by replay.
  if (total > kMaxEventData) {
    sys_print(2,
              "ariadne-replay: a call wrote %llu bytes, more than one event of the log holds (%u): the "
              "recording stops here\n",
              static_cast<unsigned long long>(total), kMaxEventData);
    sys_exit_group(125);
  }
  const auto data = static_cast<std::uint32_t>(total);
  head.data_len = data;
  const std::uint32_t len = static_cast<std::uint32_t>(sizeof head + data);
  const std::size_t size = frame_size(data);
  if (g_used + size > g_mapped && !map_more(g_used + size)) {
    sys_print(2, "ariadne-replay: cannot grow the replay log: the recording stops here\n");
    sys_exit_group(125);
  }
  // The body first, its frame (length, checksum) last: a record cut short
  // by a kill reads as the end of the log.
  std::uint8_t* at = g_base + g_used + 8;
  std::memcpy(at, &head, sizeof head);
  at += sizeof head;
  for (int i = 0; i < n_outs; ++i) {
    std::memcpy(at, desc[i], sizeof desc[i]);
    std::memcpy(at + sizeof desc[i], outs[i].p, outs[i].n);
    at += sizeof desc[i] + outs[i].n;
  }
  const std::uint32_t crc = crc32c(g_base + g_used + 8, len);
  std::memcpy(g_base + g_used + 4, &crc, 4);
  __atomic_store_n(reinterpret_cast<std::uint32_t*>(g_base + g_used), len, __ATOMIC_RELEASE);
  g_used += size;
}

namespace {

// A compressed log reaches replay decompressed into an anonymous file the
// CLI made (ReplayLogFile.cpp), inherited as descriptor N and named
// "/proc/self/fd/N": taken over directly (its number moved down to where
// the writer's was, the inherited one closed), not opened through /proc,
// which the O_NOFOLLOW below refuses and qemu-user emulates only in part.
int inherited_log_fd(const char* path) noexcept {
  constexpr char kPrefix[] = "/proc/self/fd/";
  if (std::strncmp(path, kPrefix, sizeof kPrefix - 1) != 0) return -1;
  const char* digits = path + sizeof kPrefix - 1;
  char* end = nullptr;
  const long n = std::strtol(digits, &end, 10);
  if (end == digits || *end != '\0' || n < 3 || n > 1 << 20) return -1;
  return static_cast<int>(n);
}

}  // namespace

bool open_log_for_reading(const char* path) noexcept {
  const int inherited = inherited_log_fd(path);
  int fd = inherited >= 0 ? inherited : sys_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
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
    void* m = sys_mmap(reinterpret_cast<void*>(kLogRegion), g_size, PROT_READ, MAP_PRIVATE, fd, 0);
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
