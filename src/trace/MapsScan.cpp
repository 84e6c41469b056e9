#include "trace/MapsScan.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>

namespace ariadne::trace::detail {

namespace {

std::uintptr_t parse_hex(const char*& p, const char* end) {
  std::uintptr_t v = 0;
  while (p < end) {
    const char c = *p;
    unsigned d;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else
      break;
    v = v << 4 | d;
    ++p;
  }
  return v;
}

enum class MapsScan { found, absent, unreadable };

// One read of /proc/self/maps for the mapping containing sp, with raw
// syscalls only (this runs inside traced calls, perhaps in a signal handler).
MapsScan scan_maps(std::uintptr_t sp, std::uintptr_t* lo, std::uintptr_t* hi) {
  const int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MapsScan::unreadable;
  char buf[4096];
  std::size_t have = 0;
  bool found = false;
  for (;;) {
    const ssize_t r = ::read(fd, buf + have, sizeof buf - have);
    if (r <= 0) break;
    have += static_cast<std::size_t>(r);
    std::size_t consumed = 0;
    for (;;) {
      const char* line = buf + consumed;
      const char* nl = static_cast<const char*>(__builtin_memchr(line, '\n', have - consumed));
      if (nl == nullptr) break;
      const char* p = line;
      const std::uintptr_t a = parse_hex(p, nl);
      if (p < nl && *p == '-') {
        ++p;
        const std::uintptr_t b = parse_hex(p, nl);
        if (sp >= a && sp < b) {
          *lo = a;
          *hi = b;
          found = true;
        }
      }
      consumed = static_cast<std::size_t>(nl + 1 - buf);
      if (found) break;
    }
    if (found) break;
    // Keep the partial last line.
    __builtin_memmove(buf, buf + consumed, have - consumed);
    have -= consumed;
    if (have == sizeof buf) have = 0;  // a line longer than the buffer: drop it
  }
  ::close(fd);
  return found ? MapsScan::found : MapsScan::absent;
}

}  // namespace

// The mapping containing sp. sp is on a stack the thread is running on, so
// "absent" is a torn read: the file is not one snapshot, and another thread
// mapping or unmapping meanwhile can hide a line from it. Seen under
// qemu-aarch64: TraceUnwind.FibersSwitchingMidCall lost a call's exit in 4 of
// 350 runs (no shadow stack for its entry; a second read, made to check,
// found the stack), and none in 400 with the reads below.
bool mapping_of(std::uintptr_t sp, std::uintptr_t* lo, std::uintptr_t* hi) noexcept {
  constexpr int kReads = 8;
  for (int i = 0; i < kReads; ++i) {
    switch (scan_maps(sp, lo, hi)) {
      case MapsScan::found:
        return true;
      case MapsScan::unreadable:
        return false;
      case MapsScan::absent:
        break;
    }
  }
  return false;
}

}  // namespace ariadne::trace::detail
