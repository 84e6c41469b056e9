#include "trace/RuntimeMappings.hpp"

#include <fcntl.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "arch/RawSyscall.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {

namespace {

// Above replay's log (src/replay/ReplayLog.cpp: 0x200000000000, 64 GiB) and
// far below where the kernel and qemu-user place a program's mappings (top
// down from below the stack), 16 TiB of address space, handed out in order
// and never reused: nothing the runtime maps or unmaps there can move a
// mapping of the program's. A hint, not MAP_FIXED: an address that is taken
// is never overwritten (the kernel then picks one, as without the region).
constexpr std::uintptr_t kRegionStart = 0x240000000000;
constexpr std::uintptr_t kRegionEnd = 0x340000000000;
constexpr std::size_t kPage = 65536;  // the largest page size of both arches
// Above what a program opens or dup2()s onto in practice, below replay's log
// (1000) and the default soft limit of 1024.
constexpr int kFdFloor = 900;

std::atomic<bool> g_apart{false};
std::atomic<std::uintptr_t> g_next{kRegionStart};

}  // namespace

void set_runtime_resources_apart() noexcept { g_apart.store(true, std::memory_order_release); }
bool runtime_resources_apart() noexcept { return g_apart.load(std::memory_order_acquire); }

void* map_runtime(std::size_t bytes, int prot, int flags, int fd, off_t offset) noexcept {
  void* hint = nullptr;
  if (runtime_resources_apart()) {
    const std::size_t span = (bytes + kPage - 1) & ~(kPage - 1);
    const std::uintptr_t at = g_next.fetch_add(span, std::memory_order_relaxed);
    if (at + span <= kRegionEnd) hint = reinterpret_cast<void*>(at);
  }
  return sys_mmap(hint, bytes, prot, flags, fd, offset);
}

void* remap_runtime(void* old, std::size_t old_bytes, std::size_t new_bytes) noexcept {
  if (!runtime_resources_apart()) return sys_mremap(old, old_bytes, new_bytes, MREMAP_MAYMOVE);
  void* fresh =
      map_runtime(new_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (fresh == MAP_FAILED) return MAP_FAILED;
  std::memcpy(fresh, old, old_bytes < new_bytes ? old_bytes : new_bytes);
  sys_munmap(old, old_bytes);
  return fresh;
}

int keep_fd_apart(int fd) noexcept {
  if (fd < 0 || fd >= kFdFloor || !runtime_resources_apart()) return fd;
  const int flags = sys_fcntl(fd, F_GETFD, 0);
  const int high =
      sys_fcntl(fd, (flags > 0 && (flags & FD_CLOEXEC) != 0) ? F_DUPFD_CLOEXEC : F_DUPFD, kFdFloor);
  if (high < 0) return fd;
  sys_close(fd);
  return high;
}

}  // namespace ariadne::trace::detail
