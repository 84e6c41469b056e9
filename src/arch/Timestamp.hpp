// The event timestamp counter, per architecture: CNTVCT_EL0 on AArch64 (its
// frequency in CNTFRQ_EL0), the TSC on x86-64 (frequency calibrated against
// CLOCK_MONOTONIC at start). One read per traced event, so it must be cheap:
// no syscall, no fence.
#pragma once

#include <cstdint>

namespace ariadne::arch {

std::uint64_t timestamp() noexcept;

// tracefile::ClockKind of timestamp(): 1 cntvct, 2 rdtsc.
std::uint32_t timestamp_clock_kind() noexcept;

// Counter ticks per second: read from the hardware where it says, else
// measured once against CLOCK_MONOTONIC (a few milliseconds, the first call).
std::uint64_t timestamp_frequency() noexcept;

}  // namespace ariadne::arch
