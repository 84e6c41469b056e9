#include "arch/Isa.hpp"

namespace ariadne::arch {

Isa host() { return Isa::aarch64; }

}  // namespace ariadne::arch
