#include "arch/Timestamp.hpp"

#include <x86intrin.h>

#include <atomic>
#include <ctime>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::arch {

namespace {
std::uint64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}
std::atomic<std::uint64_t> g_frequency{0};
}  // namespace

std::uint64_t timestamp() noexcept { return __rdtsc(); }

std::uint32_t timestamp_clock_kind() noexcept { return 2; }

// The TSC's rate is not architecturally readable everywhere (CPUID leaf 0x15
// is often zero in VMs): measure it over 2 ms of CLOCK_MONOTONIC.
std::uint64_t timestamp_frequency() noexcept {
  if (const std::uint64_t f = g_frequency.load(std::memory_order_relaxed); f != 0) return f;
  const std::uint64_t t0 = monotonic_ns();
  const std::uint64_t c0 = __rdtsc();
  std::uint64_t t1 = t0;
  for (int i = 0; i < 100000000 && t1 - t0 < 2000000; ++i) t1 = monotonic_ns();
  const std::uint64_t c1 = __rdtsc();
  if (t1 <= t0) return 0;
  const std::uint64_t f =
      static_cast<std::uint64_t>(static_cast<double>(c1 - c0) * 1e9 / static_cast<double>(t1 - t0));
  g_frequency.store(f, std::memory_order_relaxed);
  return f;
}

}  // namespace ariadne::arch
