#include "tracefile/Format.hpp"

#include "arch/Crc32c.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::tracefile {

namespace {
// Slicing-by-8 tables built at compile time: no initialisation order issues
// in the preloaded runtime, nothing to allocate. Eight bytes per step makes
// checking a multi-MB segment payload cheap next to decoding it (the
// byte-at-a-time form cost a third of the reader's time).
struct Crc32cTables {
  std::uint32_t t[8][256];
  constexpr Crc32cTables() : t{} {
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
      t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};
constexpr Crc32cTables kTables;
}  // namespace

std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  // The CPU's instructions where it has them (a quarter of the tables' time).
  if (const arch::Crc32cUpdate update = arch::crc32c_instructions(); update != nullptr)
    return ~update(~crc, static_cast<const std::uint8_t*>(data), n);
  return crc32c_portable(data, n, crc);
}

std::uint32_t crc32c_portable(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  const auto* p = static_cast<const std::uint8_t*>(data);
  const auto& t = kTables.t;
  crc = ~crc;
  while (n >= 8) {
    // Little-endian assembly of the next 8 bytes, whatever the host order.
    const std::uint32_t lo =
        (static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24) ^
        crc;
    crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^ t[3][p[4]] ^
          t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  for (std::size_t i = 0; i < n; ++i) crc = t[0][(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

}  // namespace ariadne::tracefile
