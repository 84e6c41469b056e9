#include "trace/ReturnHooks.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {

namespace {

// A machine stack we have seen. Published by storing hi last (release).
struct StackRegion {
  std::atomic<std::uintptr_t> lo{0};
  std::atomic<std::uintptr_t> hi{0};
  std::atomic<ShadowStack*> shadow{nullptr};
};

constexpr std::size_t kMaxRegions = 16384;
StackRegion g_regions[kMaxRegions];
std::atomic<std::size_t> g_region_count{0};

// Deep enough for any sane recursion; pages are touched only when used.
constexpr std::uint32_t kShadowCapacity = 1u << 15;

struct RegionCache {
  std::uintptr_t lo, hi;
  ShadowStack* shadow;
};
constexpr int kCacheWays = 4;
thread_local RegionCache t_cache[kCacheWays];
thread_local unsigned t_cache_next;

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
// syscalls only (this runs inside traced calls, perhaps in a signal handler,
// and must leave errno alone).
MapsScan scan_maps(std::uintptr_t sp, std::uintptr_t* lo, std::uintptr_t* hi) {
  const int fd = sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MapsScan::unreadable;
  char buf[4096];
  std::size_t have = 0;
  bool found = false;
  for (;;) {
    const long r = sys_read(fd, buf + have, sizeof buf - have);
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
  sys_close(fd);
  return found ? MapsScan::found : MapsScan::absent;
}

// The mapping containing sp. sp is on a stack the thread is running on, so
// "absent" is a torn read: the file is not one snapshot, and another thread
// mapping or unmapping meanwhile can hide a line from it. Seen under
// qemu-aarch64: TraceUnwind.FibersSwitchingMidCall lost a call's exit in 4 of
// 350 runs (no shadow stack for its entry; a second read, made to check,
// found the stack), and none in 400 with the reads below.
bool mapping_of(std::uintptr_t sp, std::uintptr_t* lo, std::uintptr_t* hi) {
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

ShadowStack* make_shadow(std::uintptr_t lo, std::uintptr_t hi) {
  const std::size_t bytes = offsetof(ShadowStack, entries) + sizeof(ShadowEntry) * kShadowCapacity;
  void* p =
      sys_mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto* s = static_cast<ShadowStack*>(p);
  s->top = 0;
  s->capacity = kShadowCapacity;
  s->lo = lo;
  s->hi = hi;
  return s;
}

ShadowStack* find_region(std::uintptr_t sp) {
  const std::size_t n = g_region_count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    StackRegion& r = g_regions[i];
    const std::uintptr_t hi = r.hi.load(std::memory_order_acquire);
    if (hi == 0 || sp >= hi || sp < r.lo.load(std::memory_order_relaxed)) continue;
    return r.shadow.load(std::memory_order_relaxed);
  }
  return nullptr;
}

ShadowStack* discover(std::uintptr_t sp) {
  std::uintptr_t lo, hi;
  if (!mapping_of(sp, &lo, &hi)) return nullptr;
  // A stack that grew down (the main thread's) keeps its top: extend it.
  const std::size_t n = g_region_count.load(std::memory_order_acquire);
  for (std::size_t i = 0; i < n; ++i) {
    StackRegion& r = g_regions[i];
    if (r.hi.load(std::memory_order_acquire) != hi) continue;
    ShadowStack* s = r.shadow.load(std::memory_order_relaxed);
    if (lo < r.lo.load(std::memory_order_relaxed)) r.lo.store(lo, std::memory_order_relaxed);
    if (s != nullptr && lo < s->lo) s->lo = lo;
    return s;
  }
  ShadowStack* s = make_shadow(lo, hi);
  if (s == nullptr) return nullptr;
  const std::size_t index = g_region_count.fetch_add(1, std::memory_order_acq_rel);
  if (index >= kMaxRegions) return nullptr;
  StackRegion& r = g_regions[index];
  r.shadow.store(s, std::memory_order_relaxed);
  r.lo.store(lo, std::memory_order_relaxed);
  r.hi.store(hi, std::memory_order_release);
  return s;
}

}  // namespace

ShadowStack* shadow_stack_for(std::uintptr_t sp) noexcept {
  for (RegionCache& c : t_cache) {
    if (sp >= c.lo && sp < c.hi) return c.shadow;
  }
  ShadowStack* s = find_region(sp);
  if (s == nullptr) s = discover(sp);
  if (s == nullptr) return nullptr;
  RegionCache& c = t_cache[t_cache_next++ % kCacheWays];
  c.lo = s->lo;
  c.hi = s->hi;
  c.shadow = s;
  return s;
}

std::uint32_t open_sites(std::uint32_t* out, std::uint32_t max) noexcept {
  const ShadowStack* s = shadow_stack_for(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
  if (s == nullptr) return 0;
  const std::uint32_t n = s->top;
  for (std::uint32_t i = 0; i < n && i < max; ++i) out[i] = s->entries[i].site_id;
  return n;
}

}  // namespace ariadne::trace::detail
