// TEMPORARY, test-only: weak stand-ins for the arch functions that the
// arch helpers are still writing (src/arch/<arch>/CodePatch.cpp). Weak, so
// the real definitions win as soon as they exist in ariadne_trace_arch.
// The patch tests never depend on what these do. Delete once the arch side
// defines them.
#include "arch/CodePatch.hpp"

namespace ariadne::arch {

__attribute__((weak)) std::size_t veneer_size() noexcept { return 16; }
__attribute__((weak)) void write_veneer(std::byte*, std::uintptr_t) noexcept {}
__attribute__((weak)) void toggle_live(std::span<const Toggle>) noexcept {}

}  // namespace ariadne::arch
