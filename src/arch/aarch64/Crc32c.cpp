// The Armv8 CRC32C instructions (Crc32c.hpp): optional in Armv8.0, which is
// why HWCAP_CRC32 is checked; QEMU's default CPU has them.
#include "arch/Crc32c.hpp"

#include <sys/auxv.h>

#include <cstring>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif

namespace ariadne::arch {

namespace {

__attribute__((target("+crc"))) std::uint32_t update(std::uint32_t crc, const std::uint8_t* p,
                                                     std::size_t n) noexcept {
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    crc = __builtin_aarch64_crc32cx(crc, v);
  }
  for (; n > 0; ++p, --n) crc = __builtin_aarch64_crc32cb(crc, *p);
  return crc;
}

}  // namespace

Crc32cUpdate crc32c_instructions() noexcept {
  return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0 ? update : nullptr;
}

}  // namespace ariadne::arch
