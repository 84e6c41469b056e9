// The memory mapping a stack pointer lies in, read from /proc/self/maps:
// how a machine stack nobody registered (a thread's, a fiber library's that
// does not call register_stack) is told apart from the others.
#pragma once

#include <cstdint>

namespace ariadne::trace::detail {

// The mapping [*lo, *hi) containing sp; false when /proc/self/maps cannot
// be read or does not list it. Raw reads only: this runs inside traced
// calls, perhaps in a signal handler.
bool mapping_of(std::uintptr_t sp, std::uintptr_t* lo, std::uintptr_t* hi) noexcept;

}  // namespace ariadne::trace::detail
