#include "arch/Timestamp.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

extern "C" std::uint64_t ariadne_read_cntvct() noexcept;
extern "C" std::uint64_t ariadne_read_cntfrq() noexcept;

namespace ariadne::arch {

std::uint64_t timestamp() noexcept { return ariadne_read_cntvct(); }

std::uint32_t timestamp_clock_kind() noexcept { return 1; }

std::uint64_t timestamp_frequency() noexcept { return ariadne_read_cntfrq(); }

}  // namespace ariadne::arch
