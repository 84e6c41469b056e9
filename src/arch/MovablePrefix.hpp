// The first instructions of a function, run somewhere else: replay diverts
// the vDSO's clock functions (src/replay/ClockInterposers.cpp) and still
// wants the vDSO's own fast read for the recorded run, so it copies the
// instructions its veneer overwrites into a trampoline that jumps back.
// Per architecture: src/arch/<arch>/MovablePrefix.cpp.
#pragma once

#include <cstddef>

namespace ariadne::arch {

// The length of the whole instructions at `code` (within `size` bytes) that
// cover at least `at_least` bytes and run the same anywhere (no PC-relative
// operand, no branch); 0 when no such prefix exists (or the architecture
// does not look: the caller then makes the system call instead).
std::size_t movable_prefix(const std::byte* code, std::size_t size, std::size_t at_least) noexcept;

}  // namespace ariadne::arch
