// CRC-32C with the CPU's own instructions (x86-64 SSE4.2 `crc32`, AArch64
// CRC32C*), for tracefile::crc32c: sealing a 1 MiB segment with the
// slicing-by-8 tables cost 0.45 ms, about 2.6 ns per recorded call
// (docs/performance.md); the instructions do it in a quarter of that, and
// the readers check every segment faster too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ariadne::arch {

// Continues the CRC register `crc` (not inverted: the caller does the
// pre- and post-inversion of CRC-32C) over n bytes.
using Crc32cUpdate = std::uint32_t (*)(std::uint32_t crc, const std::uint8_t* p, std::size_t n) noexcept;

// The update with the CPU's instructions, or nullptr if it has none (the
// caller's tables then). Cheap to call (a CPU feature bit), safe in signal
// handlers and before constructors have run.
Crc32cUpdate crc32c_instructions() noexcept;

}  // namespace ariadne::arch
