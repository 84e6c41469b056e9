// What replay calls an intercepted call in its reports (CallNames.cpp).
#pragma once

#include <cstdint>

namespace ariadne::replay {

// "read", "clock_gettime"... for the runtime's own architecture; "call" for
// a number it does not know.
const char* call_name(std::uint64_t nr) noexcept;

}  // namespace ariadne::replay
