// The per-event timestamp counter: AArch64 CNTVCT_EL0 (the virtual counter,
// readable at EL0, also under qemu-user), x86-64 RDTSC (invariant TSC on
// every CPU of the last decade). A raw counter, not nanoseconds: the
// conversion (calibration) is done once per recording, never per event.
// Defined in src/arch/<arch>/timestamp.S (a leaf that touches nothing but
// the return register(s)).
#pragma once

#include <cstdint>

extern "C" std::uint64_t ariadne_arch_timestamp() noexcept;
