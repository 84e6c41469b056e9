// SSE4.2 `crc32` (Crc32c.hpp). One stream of 8-byte steps: the instruction's
// 3-cycle latency gives about 2.7 bytes per cycle, enough for segments.
#include "arch/Crc32c.hpp"

#include <nmmintrin.h>

#include <cstring>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::arch {

namespace {

__attribute__((target("sse4.2"))) std::uint32_t update(std::uint32_t crc, const std::uint8_t* p,
                                                       std::size_t n) noexcept {
  std::uint64_t c = crc;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    c = _mm_crc32_u64(c, v);
  }
  auto c32 = static_cast<std::uint32_t>(c);
  for (; n > 0; ++p, --n) c32 = _mm_crc32_u8(c32, *p);
  return c32;
}

}  // namespace

Crc32cUpdate crc32c_instructions() noexcept {
  __builtin_cpu_init();  // idempotent; the runtime may run before libgcc's constructor
  return __builtin_cpu_supports("sse4.2") ? update : nullptr;
}

}  // namespace ariadne::arch
