// The timestamp counter for the stand-in recorder of bench/record_standin.cpp:
// AArch64 CNTVCT_EL0, x86-64 RDTSC, read in a leaf
// (src/arch/<arch>/bench_counter.S) that touches only the return
// register(s). Bench-only and named apart on purpose: the recorder
// (src/record/) has its own, arch::timestamp(), and the stand-in goes once
// `ariadne record` is merged.
#pragma once

#include <cstdint>

extern "C" std::uint64_t ariadne_bench_counter() noexcept;
